/**
 * One suite every signer/verifier pair passes: what one side signs the other accepts, and any
 * change to what the signature covers, any stale or ill-formed input, is refused with a typed
 * reason and never a throw.
 */
import { describe, expect, test } from "bun:test";
import { type KeyPair, type SchemeCase, schemeCases } from "./scheme-cases.ts";

const encoder = new TextEncoder();
const timestampSeconds = 1_700_000_000;
const nowMs = timestampSeconds * 1000;
const eventId = "evt_01HZX3";

async function signed(c: SchemeCase, body: Uint8Array, keys: KeyPair[], ts = timestampSeconds) {
  return c.sign({ eventId, timestampSeconds: ts, body, keys });
}

/** One character near the end of the value changed: inside the signature, clear of padding. */
function flipNearEnd(value: string): string {
  const at = value.length - 5;
  const replacement = value[at] === "0" ? "1" : "0";
  return value.slice(0, at) + replacement + value.slice(at + 1);
}

function rejected(reason?: string) {
  return reason === undefined
    ? expect.objectContaining({ ok: false })
    : expect.objectContaining({ ok: false, reason });
}

const bodies: Record<string, Uint8Array> = {
  "an empty body": new Uint8Array(),
  "a JSON body": encoder.encode('{"type":"invoice.paid","data":{"amount":4200}}'),
  "non-ASCII text": encoder.encode('{"name":"Zoë Ångström","city":"Kraków","kana":"ウェブフック"}'),
  "emoji and line separators": encoder.encode('{"note":"🎉👩🏽‍💻","line":"a\u2028b\u2029c"}'),
  "bytes that are not UTF-8": Uint8Array.from([0xff, 0xfe, 0x00, 0x80, 0x7b]),
};

const garbage = [
  "",
  " ",
  "garbage",
  "v1,",
  "v1a,!!!!",
  "t=,v1=",
  "t=abc,v1=zz",
  "sha256=",
  "sha256=zz",
  "v0=",
  "..",
  "a..b..c",
  "eyJhbGciOiJub25lIn0..",
  "\u0000\u0001",
  "💥💥💥",
  ",,,,",
  "x".repeat(20_000),
];

describe.each(schemeCases.map((c) => [c.label, c] as const))("%s", (_label, c) => {
  test("accepts what its signer produced", async () => {
    const key = await c.newKeyPair();
    const body = bodies["a JSON body"] as Uint8Array;
    const headers = await signed(c, body, [key]);
    expect(await c.verify(body, headers, [key.verifying], nowMs)).toEqual({ ok: true });
  });

  test.each(Object.entries(bodies))("round-trips %s", async (_name, body) => {
    const key = await c.newKeyPair();
    const headers = await signed(c, body, [key]);
    expect(await c.verify(body, headers, [key.verifying], nowMs)).toEqual({ ok: true });
  });

  test("rejects a body changed by one byte", async () => {
    const key = await c.newKeyPair();
    const body = encoder.encode('{"amount":4200}');
    const headers = await signed(c, body, [key]);
    const tampered = encoder.encode('{"amount":4201}');
    expect(await c.verify(tampered, headers, [key.verifying], nowMs)).toEqual(
      rejected("bad_signature"),
    );
  });

  test("rejects a changed signature", async () => {
    const key = await c.newKeyPair();
    const body = encoder.encode("{}");
    const headers = await signed(c, body, [key]);
    const value = headers[c.signatureHeader] ?? "";
    expect(value).not.toBe("");
    const tampered = { ...headers, [c.signatureHeader]: flipNearEnd(value) };
    expect(await c.verify(body, tampered, [key.verifying], nowMs)).toEqual(rejected());
  });

  test.if(c.idHeader !== undefined)("rejects a changed event id", async () => {
    const key = await c.newKeyPair();
    const body = encoder.encode("{}");
    const headers = await signed(c, body, [key]);
    const tampered = { ...headers, [c.idHeader as string]: "evt_other" };
    expect(await c.verify(body, tampered, [key.verifying], nowMs)).toEqual(
      rejected("bad_signature"),
    );
  });

  test.if(c.withTimestamp !== undefined)("rejects a changed timestamp", async () => {
    const key = await c.newKeyPair();
    const body = encoder.encode("{}");
    const headers = await signed(c, body, [key]);
    const tampered = c.withTimestamp?.(headers, String(timestampSeconds - 1)) ?? headers;
    expect(await c.verify(body, tampered, [key.verifying], nowMs)).toEqual(
      rejected("bad_signature"),
    );
  });

  test("rejects a signature made with another secret", async () => {
    const [key, other] = [await c.newKeyPair(), await c.newKeyPair()];
    const body = encoder.encode("{}");
    const headers = await signed(c, body, [other]);
    expect(await c.verify(body, headers, [key.verifying], nowMs)).toEqual(
      rejected("bad_signature"),
    );
  });

  test("accepts when any one of several configured secrets matches", async () => {
    const keys = [await c.newKeyPair(), await c.newKeyPair(), await c.newKeyPair()];
    const body = encoder.encode("{}");
    const headers = await signed(c, body, [keys[1] as KeyPair]);
    const secrets = keys.map((k) => k.verifying);
    expect(await c.verify(body, headers, secrets, nowMs)).toEqual({ ok: true });
  });

  test("stays verifiable across a rotation", async () => {
    const [newest, oldest] = [await c.newKeyPair(), await c.newKeyPair()];
    const body = encoder.encode("{}");
    const headers = await signed(c, body, [newest, oldest]);
    expect(await c.verify(body, headers, [newest.verifying], nowMs)).toEqual({ ok: true });
    const withOld = await c.verify(body, headers, [oldest.verifying], nowMs);
    // A scheme with one signature slot (GitHub) cannot serve the old secret as well.
    expect(withOld).toEqual(c.signsWithNewestOnly ? rejected("bad_signature") : { ok: true });
  });

  test("reports a missing signature and a missing secret", async () => {
    const key = await c.newKeyPair();
    const body = encoder.encode("{}");
    const headers = await signed(c, body, [key]);
    const { [c.signatureHeader]: _dropped, ...unsigned } = headers;
    expect(await c.verify(body, unsigned, [key.verifying], nowMs)).toEqual(
      rejected("missing_signature"),
    );
    expect(await c.verify(body, {}, [key.verifying], nowMs)).toEqual(rejected("missing_signature"));
    expect(await c.verify(body, headers, [], nowMs)).toEqual(rejected("missing_secret"));
  });

  test.each(garbage.map((g) => [JSON.stringify(g).slice(0, 24), g]))(
    "refuses the garbage signature %s without throwing",
    async (_name, value) => {
      const key = await c.newKeyPair();
      const body = encoder.encode("{}");
      const headers = { ...(await signed(c, body, [key])), [c.signatureHeader]: value };
      expect(await c.verify(body, headers, [key.verifying], nowMs)).toEqual(rejected());
    },
  );

  test("refuses signatures cut short or run long without throwing", async () => {
    const key = await c.newKeyPair();
    const body = encoder.encode("{}");
    const headers = await signed(c, body, [key]);
    const value = headers[c.signatureHeader] ?? "";
    for (const changed of [value.slice(0, -2), value.slice(0, -1), `${value}00`, `${value}AAAA`]) {
      const result = await c.verify(
        body,
        { ...headers, [c.signatureHeader]: changed },
        [key.verifying],
        nowMs,
      );
      expect(result).toEqual(rejected());
    }
  });

  test("treats garbage secrets as unusable rather than throwing", async () => {
    const key = await c.newKeyPair();
    const body = encoder.encode("{}");
    const headers = await signed(c, body, [key]);
    for (const secret of ["", "whpk_", "whsec_!!", "{", '{"kty":"OKP"}', "💥"]) {
      expect(await c.verify(body, headers, [secret], nowMs)).toEqual(rejected());
    }
    expect(await c.verify(body, headers, ["{", key.verifying], nowMs)).toEqual({ ok: true });
  });
});

const timed = schemeCases.filter((c) => c.withTimestamp !== undefined);
const untimed = schemeCases.filter((c) => c.withTimestamp === undefined);

describe.each(timed.map((c) => [c.label, c] as const))("%s timestamps", (_label, c) => {
  const body = encoder.encode("{}");
  const tolerance = 300;

  test.each([
    ["just inside the past edge", tolerance, true],
    ["just outside the past edge", tolerance + 1, false],
    ["just inside the future edge", -tolerance, true],
    ["just outside the future edge", -(tolerance + 1), false],
  ] as const)("a signature %s", async (_name, ageSeconds, accepted) => {
    const key = await c.newKeyPair();
    const headers = await signed(c, body, [key]);
    // The last millisecond of the edge second still counts as that second.
    const now = (timestampSeconds + ageSeconds) * 1000 + (accepted && ageSeconds > 0 ? 999 : 0);
    const result = await c.verify(body, headers, [key.verifying], now);
    expect(result).toEqual(accepted ? { ok: true } : rejected("stale_timestamp"));
  });

  test("refuses a timestamp in milliseconds, even when correctly signed", async () => {
    const key = await c.newKeyPair();
    const headers = await signed(c, body, [key], timestampSeconds * 1000);
    expect(await c.verify(body, headers, [key.verifying], nowMs)).toEqual(
      rejected("stale_timestamp"),
    );
  });

  test.each(["", "abc", "-1", "1e9", "1700000000.5", " 1700000000", "0x65"])(
    "refuses the timestamp %p without throwing",
    async (timestamp) => {
      const key = await c.newKeyPair();
      const headers = c.withTimestamp?.(await signed(c, body, [key]), timestamp) ?? {};
      expect(await c.verify(body, headers, [key.verifying], nowMs)).toEqual(rejected());
    },
  );
});

describe.each(untimed.map((c) => [c.label, c] as const))("%s without timestamps", (_l, c) => {
  test("accepts an old delivery, since nothing dates it (receivers dedupe instead)", async () => {
    const key = await c.newKeyPair();
    const body = encoder.encode("{}");
    const headers = await signed(c, body, [key]);
    const aYearLater = nowMs + 365 * 86_400_000;
    expect(await c.verify(body, headers, [key.verifying], aYearLater)).toEqual({ ok: true });
  });
});
