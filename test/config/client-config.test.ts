import { describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadClientConfig } from "../../src/config/client-config.ts";
import { useTempDir } from "../e2e/ops-support.ts";

describe("the management commands' connection", () => {
  test("takes flags over HOOKRELAY_URL and HOOKRELAY_TOKEN over the bootstrap token", () => {
    const env = {
      HOOKRELAY_URL: "http://relay.internal:8080/",
      HOOKRELAY_TOKEN: "hr_named",
      HOOKRELAY_API_TOKEN: "hr_bootstrap",
    };
    expect(loadClientConfig(env, {})).toEqual({
      url: "http://relay.internal:8080",
      urlSource: "HOOKRELAY_URL",
      token: "hr_named",
    });
    expect(loadClientConfig(env, { relayUrl: "https://x.example", token: "hr_flag" })).toEqual({
      url: "https://x.example",
      urlSource: "--relay-url",
      token: "hr_flag",
    });
    expect(loadClientConfig({ HOOKRELAY_API_TOKEN: "hr_bootstrap" }, {}).token).toBe(
      "hr_bootstrap",
    );
  });

  test("falls back to the relay's address settings and its generated token", () => {
    using dir = useTempDir();
    writeFileSync(join(dir.path, "api-token"), "hr_generated\n");
    const env = { HOOKRELAY_PORT: "9999", HOOKRELAY_DATA_DIR: dir.path };
    expect(loadClientConfig(env, {})).toEqual({
      url: "http://127.0.0.1:9999",
      urlSource: "HOOKRELAY_HOST/HOOKRELAY_PORT",
      token: "hr_generated",
    });
    expect(loadClientConfig({ HOOKRELAY_DATA_DIR: dir.path }, {})).toMatchObject({
      url: "http://127.0.0.1:8080",
      urlSource: "the default",
    });
  });

  test("names where an address that is no http(s) URL came from", () => {
    const token = { HOOKRELAY_TOKEN: "hr_named" };
    expect(() => loadClientConfig(token, { relayUrl: "relay:8080" })).toThrow(
      /--relay-url: expected http\(s\):\/\//,
    );
    expect(() => loadClientConfig({ ...token, HOOKRELAY_URL: "relay:8080" }, {})).toThrow(
      /HOOKRELAY_URL: expected http\(s\):\/\//,
    );
  });

  test("refuses an address with a query or a fragment, where API paths would end up", () => {
    const token = { HOOKRELAY_TOKEN: "t".repeat(24) };
    for (const relayUrl of ["http://relay.internal/pre?x=1", "http://relay.internal/#top"]) {
      expect(() => loadClientConfig(token, { relayUrl })).toThrow(
        "--relay-url: the relay's address takes no query or fragment",
      );
    }
  });

  test("says how to give a token when there is none", () => {
    using dir = useTempDir();
    expect(() => loadClientConfig({ HOOKRELAY_DATA_DIR: dir.path }, {})).toThrow(
      /HOOKRELAY_TOKEN: no API token; set HOOKRELAY_TOKEN or pass --token/,
    );
  });
});
