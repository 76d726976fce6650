import { describe, expect, test } from "bun:test";
import { Webhook } from "standardwebhooks";
import { decodeEndpointSecret, generateEndpointSecret } from "../../src/signing/endpoint-secret.ts";
import { signStandardWebhook } from "../../src/signing/standard-webhooks.ts";

const encoder = new TextEncoder();

function sign(body: string, secrets: string[], timestampSeconds = Math.floor(Date.now() / 1000)) {
  return signStandardWebhook({
    eventId: "evt_1",
    timestampSeconds,
    body: encoder.encode(body),
    secrets,
  });
}

describe("signStandardWebhook", () => {
  test("produces headers the standardwebhooks verifier accepts", () => {
    const secret = generateEndpointSecret();
    const body = '{"type":"invoice.paid","data":{"emoji":"🎉","line":"a\\u2028b"}}';
    const payload = new Webhook(secret).verify(body, sign(body, [secret]));
    expect(payload).toEqual(JSON.parse(body));
  });

  test("signs with every secret during a rotation, each verifiable alone", () => {
    const [oldSecret, newSecret] = [generateEndpointSecret(), generateEndpointSecret()];
    const headers = sign("{}", [newSecret, oldSecret]);
    expect(headers["webhook-signature"]?.split(" ")).toHaveLength(2);
    expect(new Webhook(oldSecret).verify("{}", headers)).toEqual({});
    expect(new Webhook(newSecret).verify("{}", headers)).toEqual({});
  });

  test("fails verification when the body changes by one byte", () => {
    const secret = generateEndpointSecret();
    const headers = sign('{"a":1}', [secret]);
    expect(() => new Webhook(secret).verify('{"a":2}', headers)).toThrow();
  });
});

describe("endpoint secrets", () => {
  test("generates 32-byte whsec_ secrets", () => {
    expect(decodeEndpointSecret(generateEndpointSecret())?.byteLength).toBe(32);
  });

  test("refuses keys outside 24 to 64 bytes and bad encodings", () => {
    const of = (n: number) => `whsec_${Buffer.alloc(n, 7).toString("base64")}`;
    expect(decodeEndpointSecret(of(24))).toBeDefined();
    expect(decodeEndpointSecret(of(64))).toBeDefined();
    expect(decodeEndpointSecret(of(23))).toBeUndefined();
    expect(decodeEndpointSecret(of(65))).toBeUndefined();
    expect(decodeEndpointSecret("whsec_not base64!")).toBeUndefined();
    expect(decodeEndpointSecret(of(32).replace("whsec_", "sk_"))).toBeUndefined();
  });
});
