import { describe, expect, test } from "bun:test";
import { createPrivateKey } from "node:crypto";
import {
  base64url,
  CompactSign,
  compactVerify,
  createLocalJWKSet,
  exportJWK,
  exportPKCS8,
  FlattenedSign,
  flattenedVerify,
  generateKeyPair,
  importPKCS8,
} from "jose";
import { jwsSigner, jwsVerifier } from "../../src/plugins/builtin/jws.ts";
import type { PublicJwk } from "../../src/plugins/sdk.ts";

const body = '{"type":"invoice.paid","data":{"note":"🎉 Zoë"}}';
const bytes = new TextEncoder().encode(body);
const hsSecret = "whsec_a-shared-secret-of-at-least-32-bytes";

type Options = Parameters<typeof jwsSigner.sign>[0]["options"];

async function signWith(secrets: string[], options: Options = {}) {
  const input = { eventId: "evt_1", timestampSeconds: 1, body: bytes, secrets, options };
  const headers = await jwsSigner.sign(input);
  const value = headers[(options.headerName ?? "x-jws-signature").toLowerCase()] ?? "";
  return value.split(",").map((jws) => {
    const [header = "", , signature = ""] = jws.split(".");
    return {
      jws,
      header,
      signature,
      attached: `${header}.${base64url.encode(bytes)}.${signature}`,
    };
  });
}

function verifyWith(value: string, secrets: string[], options: Options = {}) {
  const headers = { "x-jws-signature": value };
  return jwsVerifier.verify({ body: bytes, headers, secrets, url: "", options, now: 0 });
}

async function jwksOf(...secrets: string[]) {
  const keys = await Promise.all(secrets.map(async (s) => (await jwsSigner.publicKey(s)).jwk));
  return createLocalJWKSet({ keys: keys as PublicJwk[] });
}

describe("jws signer", () => {
  test("HS256: a detached compact JWS that jose compactVerify accepts once reattached", async () => {
    const [only] = await signWith([hsSecret]);
    expect(only?.jws).toMatch(/^[\w-]+\.\.[\w-]+$/);
    const key = new TextEncoder().encode(hsSecret);
    const { payload, protectedHeader } = await compactVerify(only?.attached ?? "", key);
    expect(new TextDecoder().decode(payload)).toBe(body);
    expect(protectedHeader).toEqual({ alg: "HS256" });
  });

  test("HS256 unencoded: RFC 7797 b64:false with crit, verified by flattenedVerify", async () => {
    const [only] = await signWith([hsSecret], { unencoded: true });
    const key = new TextEncoder().encode(hsSecret);
    const jws = { protected: only?.header ?? "", payload: bytes, signature: only?.signature ?? "" };
    const { protectedHeader } = await flattenedVerify(jws, key);
    expect(protectedHeader).toEqual({ alg: "HS256", b64: false, crit: ["b64"] });
  });

  test("ES256: verified through a JWKS built from publicKey(), selected by kid", async () => {
    const secret = jwsSigner.generateSecret({ alg: "ES256" });
    const [only] = await signWith([secret], { alg: "ES256" });
    const { jwk } = await jwsSigner.publicKey(secret);
    expect(jwk).toMatchObject({ kty: "EC", crv: "P-256", alg: "ES256", use: "sig" });
    expect(jwk).not.toHaveProperty("d");
    const { protectedHeader } = await compactVerify(only?.attached ?? "", await jwksOf(secret));
    expect(protectedHeader).toEqual({ alg: "ES256", kid: jwk?.kid });
  });

  test("EdDSA unencoded: verified by flattenedVerify through the JWKS", async () => {
    const secret = jwsSigner.generateSecret({ alg: "EdDSA" });
    const [only] = await signWith([secret], { alg: "EdDSA", unencoded: true, headerName: "JWS" });
    const jws = { protected: only?.header ?? "", payload: bytes, signature: only?.signature ?? "" };
    const { protectedHeader } = await flattenedVerify(jws, await jwksOf(secret));
    expect(protectedHeader).toMatchObject({ alg: "EdDSA", b64: false, crit: ["b64"] });
  });

  test("signs once per secret in a rotation, each found in a JWKS holding both keys", async () => {
    const secrets = [
      jwsSigner.generateSecret({ alg: "ES256" }),
      jwsSigner.generateSecret({ alg: "ES256" }),
    ];
    const signatures = await signWith(secrets, { alg: "ES256" });
    expect(signatures).toHaveLength(2);
    const jwks = await jwksOf(...secrets);
    for (const { attached } of signatures)
      expect((await compactVerify(attached, jwks)).payload).toEqual(bytes);
  });

  test("takes a PEM PKCS#8 key, as openssl and jose export it", async () => {
    const pair = await generateKeyPair("EdDSA", { extractable: true });
    const pem = await exportPKCS8(pair.privateKey);
    expect(jwsSigner.checkSecret(pem, { alg: "EdDSA" })).toBeUndefined();
    const [only] = await signWith([pem], { alg: "EdDSA" });
    expect((await compactVerify(only?.attached ?? "", pair.publicKey)).payload).toEqual(bytes);
  });

  test("fails the attempt when no secret fits the alg", async () => {
    const edKey = jwsSigner.generateSecret({ alg: "EdDSA" });
    await expect(signWith([edKey], { alg: "ES256" })).rejects.toMatchObject({ code: "ERR_PLUGIN" });
    await expect(signWith(["too short"], { alg: "HS256" })).rejects.toMatchObject({
      code: "ERR_PLUGIN",
    });
  });
});

describe("jws secrets", () => {
  test("generates PKCS#8 keys that node:crypto and jose import", async () => {
    for (const [alg, type] of [
      ["ES256", "ec"],
      ["EdDSA", "ed25519"],
    ] as const) {
      const secret = jwsSigner.generateSecret({ alg });
      const key = createPrivateKey({
        key: Buffer.from(secret, "base64"),
        format: "der",
        type: "pkcs8",
      });
      expect(key.asymmetricKeyType).toBe(type);
      const pem = `-----BEGIN PRIVATE KEY-----\n${secret}\n-----END PRIVATE KEY-----`;
      expect(await importPKCS8(pem, alg)).toBeDefined();
    }
    expect(jwsSigner.generateSecret()).toStartWith("whsec_");
  });

  test("checks a secret against the alg", () => {
    const es = jwsSigner.generateSecret({ alg: "ES256" });
    expect(jwsSigner.checkSecret(es, { alg: "ES256" })).toBeUndefined();
    expect(jwsSigner.checkSecret(es, { alg: "EdDSA" })).toContain("Ed25519");
    expect(jwsSigner.checkSecret(es, { alg: "HS256" })).toContain("private key");
    expect(jwsSigner.checkSecret("short", { alg: "HS256" })).toContain("32 bytes");
    expect(jwsSigner.checkSecret(hsSecret, { alg: "HS256" })).toBeUndefined();
    expect(jwsSigner.checkSecret(es)).toBeUndefined();
  });

  test("has no public key for a shared secret", async () => {
    expect(await jwsSigner.publicKey(hsSecret)).toEqual({});
  });
});

describe("jws verifier", () => {
  test("accepts detached JWS made by jose, attached or unencoded", async () => {
    const pair = await generateKeyPair("ES256");
    const secret = JSON.stringify(await exportJWK(pair.publicKey));
    const compact = await new CompactSign(bytes)
      .setProtectedHeader({ alg: "ES256" })
      .sign(pair.privateKey);
    const [header, , signature] = compact.split(".");
    expect(await verifyWith(`${header}..${signature}`, [secret], { alg: "ES256" })).toEqual({
      ok: true,
    });
    const flat = await new FlattenedSign(bytes)
      .setProtectedHeader({ alg: "ES256", b64: false, crit: ["b64"] })
      .sign(pair.privateKey);
    expect(
      await verifyWith(`${flat.protected}..${flat.signature}`, [secret], { alg: "ES256" }),
    ).toEqual({ ok: true });
  });

  test("accepts the text publicKey() returns as its secret", async () => {
    const secret = jwsSigner.generateSecret({ alg: "EdDSA" });
    const [only] = await signWith([secret], { alg: "EdDSA" });
    const { text = "" } = await jwsSigner.publicKey(secret);
    expect(await verifyWith(only?.jws ?? "", [text], { alg: "EdDSA" })).toEqual({ ok: true });
  });

  test("pins the alg: an HS256 JWS keyed with the public JWK text is refused", async () => {
    const secret = jwsSigner.generateSecret({ alg: "ES256" });
    const { text = "" } = await jwsSigner.publicKey(secret);
    const forged = await new CompactSign(bytes)
      .setProtectedHeader({ alg: "HS256" })
      .sign(new TextEncoder().encode(text));
    const [header, , signature] = forged.split(".");
    const result = await verifyWith(`${header}..${signature}`, [text], { alg: "ES256" });
    expect(result).toMatchObject({ ok: false, reason: "bad_signature" });
  });

  test('refuses an unsecured "none" JWS', async () => {
    const header = base64url.encode('{"alg":"none"}');
    expect(await verifyWith(`${header}..`, [hsSecret])).toMatchObject({ ok: false });
    expect(await verifyWith(`${header}..AAAA`, [hsSecret])).toMatchObject({
      ok: false,
      reason: "bad_signature",
    });
  });
});
