import { describe, expect, test } from "bun:test";
import { generateKeyPairSync, sign as nodeSign } from "node:crypto";
import { Webhook } from "standardwebhooks";
import {
  standardWebhooksEd25519Signer as edSigner,
  standardWebhooksEd25519Verifier as edVerifier,
} from "../../src/plugins/builtin/standard-webhooks-ed25519.ts";
import {
  standardWebhooksSigner as signer,
  standardWebhooksVerifier as verifier,
} from "../../src/plugins/builtin/standard-webhooks.ts";

const encoder = new TextEncoder();
const body = '{"type":"invoice.paid","data":{"emoji":"🎉","line":"a\\u2028b","name":"Zoë"}}';
const bytes = encoder.encode(body);
const nowSeconds = Math.floor(Date.now() / 1000);

function signWith(plugin: typeof signer | typeof edSigner, secrets: string[]) {
  return plugin.sign({
    eventId: "msg_1",
    timestampSeconds: nowSeconds,
    body: bytes,
    secrets,
    options: {},
  });
}

function verifyWith(
  plugin: typeof verifier | typeof edVerifier,
  headers: Record<string, string>,
  secrets: string[],
) {
  return plugin.verify({
    body: bytes,
    headers,
    secrets,
    url: "https://r.test/",
    options: {},
    now: nowSeconds * 1000,
  });
}

describe("standard-webhooks signer", () => {
  test("produces headers the standardwebhooks library verifies, for every secret", async () => {
    const secrets = [signer.generateSecret(), signer.generateSecret()];
    const headers = await signWith(signer, secrets);
    expect(headers["webhook-signature"]?.split(" ")).toHaveLength(2);
    for (const secret of secrets)
      expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
  });

  test("skips a corrupt secret but fails when none is usable", async () => {
    const secret = signer.generateSecret();
    const headers = await signWith(signer, ["whsec_short", secret]);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    await expect(signWith(signer, ["not-a-secret"])).rejects.toMatchObject({ code: "ERR_PLUGIN" });
  });

  test("checks the whsec_ secret format", () => {
    expect(signer.checkSecret(signer.generateSecret())).toBeUndefined();
    expect(signer.checkSecret("whsec_dG9vLXNob3J0")).toContain("24 to 64 bytes");
    expect(signer.checkSecret(`sk_${"A".repeat(40)}`)).toContain("whsec_");
  });
});

describe("standard-webhooks verifier", () => {
  test("accepts what the standardwebhooks library signs", async () => {
    const secret = signer.generateSecret();
    const signature = new Webhook(secret).sign("msg_1", new Date(nowSeconds * 1000), body);
    const headers = {
      "webhook-id": "msg_1",
      "webhook-timestamp": String(nowSeconds),
      "webhook-signature": signature,
    };
    expect(await verifyWith(verifier, headers, [secret])).toEqual({ ok: true });
  });

  test("finds the v1 entry among other versions", async () => {
    const secret = signer.generateSecret();
    const signature = new Webhook(secret).sign("msg_1", new Date(nowSeconds * 1000), body);
    const headers = {
      "webhook-id": "msg_1",
      "webhook-timestamp": String(nowSeconds),
      "webhook-signature": `v1a,${"A".repeat(86)}== v2,xyz ${signature}`,
    };
    expect(await verifyWith(verifier, headers, [secret])).toEqual({ ok: true });
  });

  test("describes the event type from the body and the delivery from webhook-id", () => {
    const input = { body: bytes, headers: { "webhook-id": "msg_1" }, url: "", options: {}, now: 0 };
    expect(verifier.describe(input)).toEqual({ eventType: "invoice.paid", deliveryId: "msg_1" });
    expect(verifier.describe({ ...input, body: encoder.encode("[not json") })).toEqual({
      eventType: undefined,
      deliveryId: "msg_1",
    });
  });
});

describe("standard-webhooks-ed25519", () => {
  test("signs what crypto.subtle verifies with the whpk_ public key over id.timestamp.body", async () => {
    const secret = edSigner.generateSecret();
    const headers = await signWith(edSigner, [secret]);
    const { text, jwk } = await edSigner.publicKey(secret);
    expect(text).toStartWith("whpk_");
    const raw = Uint8Array.from(atob(text?.slice(5) ?? ""), (c) => c.charCodeAt(0));
    expect(raw).toHaveLength(32);
    const key = await crypto.subtle.importKey("raw", raw, { name: "Ed25519" }, false, ["verify"]);
    const [version, b64] = (headers["webhook-signature"] ?? "").split(",");
    expect(version).toBe("v1a");
    const signature = Uint8Array.from(atob(b64 ?? ""), (c) => c.charCodeAt(0));
    const content = encoder.encode(`msg_1.${nowSeconds}.${body}`);
    expect(await crypto.subtle.verify("Ed25519", key, signature, content)).toBe(true);
    expect(jwk).toMatchObject({ kty: "OKP", crv: "Ed25519", alg: "EdDSA", use: "sig" });
    expect(jwk?.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const viaJwk = await crypto.subtle.importKey(
      "jwk",
      { kty: "OKP", crv: "Ed25519", x: jwk?.x },
      { name: "Ed25519" },
      false,
      ["verify"],
    );
    expect(await crypto.subtle.verify("Ed25519", viaJwk, signature, content)).toBe(true);
  });

  test("reads whsk_ as the 32-byte seed, as node:crypto and the spec's Go library do", async () => {
    const pair = generateKeyPairSync("ed25519");
    const seed = pair.privateKey.export({ format: "jwk" }).d ?? "";
    const secret = `whsk_${Buffer.from(seed, "base64url").toString("base64")}`;
    expect(edSigner.checkSecret(secret)).toBeUndefined();
    const raw = pair.publicKey.export({ format: "jwk" }).x ?? "";
    expect((await edSigner.publicKey(secret)).text).toBe(
      `whpk_${Buffer.from(raw, "base64url").toString("base64")}`,
    );
    // And a signature node:crypto makes with that key passes our verifier.
    const signature = nodeSign(
      null,
      encoder.encode(`msg_1.${nowSeconds}.${body}`),
      pair.privateKey,
    );
    const headers = {
      "webhook-id": "msg_1",
      "webhook-timestamp": String(nowSeconds),
      "webhook-signature": `v1a,${signature.toString("base64")}`,
    };
    const text = (await edSigner.publicKey(secret)).text ?? "";
    expect(await verifyWith(edVerifier, headers, [text])).toEqual({ ok: true });
  });

  test("holds no HMAC path: a whsec_ secret or a whsk_ key does not verify v1a", async () => {
    const secret = edSigner.generateSecret();
    const headers = await signWith(edSigner, [secret]);
    expect(await verifyWith(edVerifier, headers, [secret])).toEqual({
      ok: false,
      reason: "missing_secret",
      detail: expect.any(String),
    });
    expect(await verifyWith(verifier, headers, [signer.generateSecret()])).toMatchObject({
      ok: false,
      reason: "malformed_signature",
    });
  });

  test("checks whsk_ secrets", () => {
    expect(edSigner.checkSecret(edSigner.generateSecret())).toBeUndefined();
    expect(edSigner.checkSecret(signer.generateSecret())).toContain("whsk_");
    expect(edSigner.checkSecret(`whsk_${btoa("x".repeat(64))}`)).toContain("32-byte");
  });
});
