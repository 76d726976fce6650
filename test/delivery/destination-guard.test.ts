import { describe, expect, test } from "bun:test";
import {
  allowHint,
  type DestinationPolicy,
  describeNetworkProblems,
  describeUrlBlock,
  resolveDestination,
} from "../../src/delivery/destination-guard.ts";

const strict: DestinationPolicy = { allowedNetworks: [], httpsOnly: false };

// Each spelling reaches a non-global address once the URL parser has normalised it.
const blockedSpellings = [
  "http://127.0.0.1/",
  "http://2130706433/",
  "http://0177.0.0.1/",
  "http://0x7f.0.0.1/",
  "http://0x7f000001/",
  "http://127.1/",
  "http://127.0.0.1./",
  "http://good@127.0.0.1/",
  "http://%31%32%37.0.0.1/",
  "http://[::1]/",
  "http://[::ffff:127.0.0.1]/",
  "http://[::ffff:7f00:1]/",
  "http://[::127.0.0.1]/",
  "http://[64:ff9b::7f00:1]/",
  "http://[2002:7f00:1::]/",
  "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/",
  "http://0.0.0.0/",
  "http://0/",
  "http://[::]/",
  "http://10.0.0.1/",
  "http://172.16.5.4/",
  "http://192.168.1.1/",
  "http://169.254.169.254/latest/meta-data/",
  "http://[fe80::1]/",
  "http://[fc00::1]/",
  "http://[fd12:3456::1]/",
  "http://100.64.0.1/",
  "http://224.0.0.1/",
  "http://[ff02::1]/",
  "http://255.255.255.255/",
  "http://198.18.0.1/",
];

describe("describeUrlBlock", () => {
  test.each(blockedSpellings)("refuses %s", (spelling) => {
    expect(describeUrlBlock(new URL(spelling), strict)).toBeString();
  });

  test("lets global addresses and names through to resolution", () => {
    for (const url of ["https://8.8.8.8/", "https://[2606:4700::1111]/", "https://example.com/"]) {
      expect(describeUrlBlock(new URL(url), strict)).toBeUndefined();
    }
  });

  test("re-allows exactly the operator's networks", () => {
    const policy = { allowedNetworks: ["127.0.0.0/8"], httpsOnly: false };
    expect(describeUrlBlock(new URL("http://127.0.0.1/"), policy)).toBeUndefined();
    expect(describeUrlBlock(new URL("http://[::ffff:127.0.0.1]/"), policy)).toBeUndefined();
    expect(describeUrlBlock(new URL("http://10.0.0.1/"), policy)).toBeString();
  });

  test("refuses plain http when https is required", () => {
    const policy = { allowedNetworks: [], httpsOnly: true };
    expect(describeUrlBlock(new URL("http://example.com/"), policy)).toMatch(/https/);
  });
});

describe("resolveDestination", () => {
  test("checks every resolved address and refuses if any is private", async () => {
    const lookup = async () => [
      { address: "93.184.216.34", family: 4 },
      { address: "10.1.2.3", family: 4 },
    ];
    const result = await resolveDestination(new URL("https://rebind.test/"), strict, lookup);
    expect(result).toEqual({ ok: false, reason: expect.stringContaining("10.1.2.3") });
  });

  test("returns the checked address to connect to", async () => {
    const lookup = async () => [{ address: "93.184.216.34", family: 4 }];
    const result = await resolveDestination(new URL("https://ok.test/"), strict, lookup);
    expect(result).toEqual({ ok: true, address: "93.184.216.34", family: 4 });
  });

  test("looks a name up on every attempt, so a rebinding answer is still refused", async () => {
    const answers = ["93.184.216.34", "127.0.0.1"];
    const lookup = async () => [{ address: answers.shift() ?? "", family: 4 }];
    const url = new URL("https://rebind.test/");
    expect(await resolveDestination(url, strict, lookup)).toEqual({
      ok: true,
      address: "93.184.216.34",
      family: 4,
    });
    expect(await resolveDestination(url, strict, lookup)).toEqual({
      ok: false,
      reason: expect.stringContaining("127.0.0.1"),
    });
  });

  test("judges an address by each policy's own allow-list", async () => {
    const url = new URL("http://127.0.0.1:8080/");
    const loopback = { allowedNetworks: ["127.0.0.0/8"], httpsOnly: false };
    for (let i = 0; i < 2; i++) {
      expect(await resolveDestination(url, loopback)).toEqual({
        ok: true,
        address: "127.0.0.1",
        family: 4,
      });
      expect((await resolveDestination(url, strict)).ok).toBe(false);
    }
  });

  test("refuses a name that does not resolve", async () => {
    const lookup = async () => {
      throw new Error("ENOTFOUND");
    };
    const result = await resolveDestination(new URL("https://nowhere.test/"), strict, lookup);
    expect(result.ok).toBe(false);
  });
});

describe("the allow-list hint", () => {
  test.each([
    ["127.0.0.1", "127.0.0.0/8"],
    ["::1", "::1/128"],
    ["10.0.0.5", "10.0.0.0/8"],
    ["172.20.1.1", "172.16.0.0/12"],
    ["192.168.1.9", "192.168.0.0/16"],
    ["169.254.169.254", "169.254.0.0/16"],
    ["fe80::1", "fe80::/10"],
    ["fd00::5", "fc00::/7"],
    ["::ffff:10.1.1.1", "10.0.0.0/8"],
    ["::a00:1", "::a00:1/128"],
    // Ranges that embed all of IPv4 are never suggested whole.
    ["64:ff9b::a00:1", "64:ff9b::a00:1/128"],
    ["2002:a00:1::1", "2002:a00:1::1/128"],
    ["2001::1", "2001::1/128"],
    ["224.0.0.1", "224.0.0.1/32"],
  ])("names the range that allows %s: %s", (address, range) => {
    expect(allowHint(address)).toBe(
      `to allow it, add ${range} to HOOKRELAY_ALLOW_PRIVATE_NETWORKS ` +
        "(security.allow_private_networks in the config file) and restart",
    );
  });

  test("an IPv4-compatible address is called non-global, not unicast", () => {
    expect(describeUrlBlock(new URL("http://[::10.0.0.1]/"), strict)).toBe(
      "::a00:1 is a non-global address",
    );
  });

  test("a name that resolves to a refused address says so in a sentence, with the hint", async () => {
    const lookup = async () => [{ address: "127.0.0.1", family: 4 }];
    const result = await resolveDestination(new URL("http://localhost:9/"), strict, lookup);
    expect(result).toEqual({
      ok: false,
      reason:
        "localhost resolves to 127.0.0.1, which is a loopback address; " +
        "to allow it, add 127.0.0.0/8 to HOOKRELAY_ALLOW_PRIVATE_NETWORKS " +
        "(security.allow_private_networks in the config file) and restart",
    });
  });
});

test("describeNetworkProblems names entries that are not CIDRs", () => {
  expect(describeNetworkProblems(["127.0.0.0/8", "::1/128"])).toEqual([]);
  expect(describeNetworkProblems(["localhost", "10.0.0.0/33"])).toHaveLength(2);
});

describe("refusal wording", () => {
  test("names each class as an operator says it, not as ipaddr.js spells it", async () => {
    const policy = { allowedNetworks: [], httpsOnly: false };
    const reasonFor = async (host: string) => {
      const result = await resolveDestination(new URL(`http://${host}/`), policy);
      return result.ok ? "allowed" : result.reason;
    };
    expect(await reasonFor("[fd00::1]")).toBe("fd00::1 is a unique-local (fc00::/7) address");
    expect(await reasonFor("169.254.169.254")).toBe("169.254.169.254 is a link-local address");
    expect(await reasonFor("100.64.0.1")).toBe(
      "100.64.0.1 is a carrier-grade NAT (100.64.0.0/10) address",
    );
    expect(await reasonFor("10.1.2.3")).toBe("10.1.2.3 is a private-network address");
    expect(await reasonFor("[64:ff9b::a9fe:a9fe]")).toBe(
      "64:ff9b::a9fe:a9fe is a NAT64 (64:ff9b::/96) address",
    );
  });
});
