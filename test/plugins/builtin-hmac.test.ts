import { describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { hmacSigner, hmacVerifier } from "../../src/plugins/builtin/hmac.ts";

const body = '{"event":"order.created","note":"naïve café ☕"}';
const bytes = new TextEncoder().encode(body);
const [secret, older] = ["generic-shared-secret-1", "generic-shared-secret-0"];
const timestampSeconds = 1_700_000_000;

type Options = Parameters<typeof hmacSigner.sign>[0]["options"];

function signWith(options: Options, secrets = [secret]) {
  return hmacSigner.sign({ eventId: "evt_1", timestampSeconds, body: bytes, secrets, options });
}

function verifyWith(headers: Record<string, string>, options: Options, secrets = [secret]) {
  return hmacVerifier.verify({
    body: bytes,
    headers,
    secrets,
    url: "",
    options,
    now: timestampSeconds * 1000,
  });
}

describe("hmac signer", () => {
  test("defaults to a hex HMAC-SHA256 of the body in x-signature", async () => {
    const expected = createHmac("sha256", secret).update(bytes).digest("hex");
    expect(await signWith({})).toEqual({ "x-signature": expected });
  });

  test("follows header, algorithm, encoding, prefix and timestamp options", async () => {
    const options = {
      header: "X-Acme-Signature",
      algorithm: "sha512",
      encoding: "base64",
      prefix: "sha512=",
      timestampHeader: "X-Acme-Timestamp",
    } as const;
    const digest = createHmac("sha512", secret)
      .update(`${timestampSeconds}.`)
      .update(bytes)
      .digest("base64");
    expect(await signWith(options)).toEqual({
      "x-acme-signature": `sha512=${digest}`,
      "x-acme-timestamp": String(timestampSeconds),
    });
  });

  test("lists one value per secret during a rotation", async () => {
    const headers = await signWith({ prefix: "v1=" }, [secret, older]);
    const values = (headers["x-signature"] ?? "").split(", ");
    expect(values).toEqual([
      `v1=${createHmac("sha256", secret).update(bytes).digest("hex")}`,
      `v1=${createHmac("sha256", older).update(bytes).digest("hex")}`,
    ]);
  });
});

describe("hmac verifier", () => {
  test("accepts a node:crypto HMAC in either case of hex", async () => {
    const hex = createHmac("sha256", secret).update(bytes).digest("hex");
    expect(await verifyWith({ "x-signature": hex }, {})).toEqual({ ok: true });
    expect(await verifyWith({ "x-signature": hex.toUpperCase() }, {})).toEqual({ ok: true });
  });

  test("wants the configured prefix and encoding", async () => {
    const b64 = createHmac("sha256", secret).update(bytes).digest("base64");
    expect(
      await verifyWith({ "x-signature": `sig=${b64}` }, { encoding: "base64", prefix: "sig=" }),
    ).toEqual({ ok: true });
    expect(
      await verifyWith({ "x-signature": b64 }, { encoding: "base64", prefix: "sig=" }),
    ).toMatchObject({ reason: "malformed_signature" });
    expect(await verifyWith({ "x-signature": `sig=${b64}` }, { prefix: "sig=" })).toMatchObject({
      ok: false,
    });
  });

  test("requires the timestamp header when one is configured", async () => {
    const hex = createHmac("sha256", secret).update(bytes).digest("hex");
    const result = await verifyWith({ "x-signature": hex }, { timestampHeader: "x-ts" });
    expect(result).toMatchObject({ ok: false, reason: "missing_signature" });
  });

  test("refuses a sha256 digest when sha512 is configured", async () => {
    const hex = createHmac("sha256", secret).update(bytes).digest("hex");
    expect(await verifyWith({ "x-signature": hex }, { algorithm: "sha512" })).toMatchObject({
      reason: "bad_signature",
    });
  });
});
