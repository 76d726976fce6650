/**
 * A detached compact JWS over the exact body bytes (RFC 7515 Appendix F: `header..signature`,
 * the payload part left empty), optionally with the unencoded payload of RFC 7797
 * (`b64: false`, listed in `crit`). One JWS per secret during a rotation, comma-separated.
 *
 * Secrets, by `alg`:
 * - HS256: the secret string's UTF-8 bytes, at least 32 (RFC 7518 §3.2: no shorter than the
 *   hash output).
 * - ES256 / EdDSA: a PKCS#8 private key (P-256 / Ed25519), as base64 DER or PEM. The
 *   protected header names it by `kid`, its RFC 7638 thumbprint, and publicKey() returns the
 *   public JWK with that `kid` for the relay's JWKS.
 * Verifier secrets: the HS256 string, or the public JWK as JSON (what publicKey() returns as
 * `text`). The JWS covers the body only: no timestamp, so receivers dedupe against replays.
 */
import { base64url, FlattenedSign, flattenedVerify, importJWK, type JWK } from "jose";
import { definePlugin, type Static, t } from "../sdk.ts";
import {
  type Curve,
  decodePkcs8,
  generatePkcs8,
  importPrivateKey,
  publicJwkOf,
} from "./asymmetric-keys.ts";
import { generateWhsec, noUsableSecret, usable } from "./secrets.ts";
import { reject, verified } from "./verify-result.ts";

type Alg = "HS256" | "ES256" | "EdDSA";
type Key = CryptoKey | Uint8Array;

const curveOf: Record<Exclude<Alg, "HS256">, Curve> = { ES256: "P-256", EdDSA: "Ed25519" };
const algOf: Record<Curve, Alg> = { "P-256": "ES256", Ed25519: "EdDSA" };
const minHmacKeyBytes = 32;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

const jwsOptions = t.Object({
  alg: t.Optional(
    t.Union([t.Literal("HS256"), t.Literal("ES256"), t.Literal("EdDSA")], { default: "HS256" }),
  ),
  unencoded: t.Optional(
    t.Boolean({ default: false, description: "RFC 7797 unencoded payload (b64: false)" }),
  ),
  headerName: t.Optional(
    t.String({ pattern: "^[A-Za-z0-9!#$%&'*+.^_`|~-]+$", default: "x-jws-signature" }),
  ),
});
type JwsOptions = Static<typeof jwsOptions>;

function resolve(options: JwsOptions | undefined) {
  return {
    alg: options?.alg ?? "HS256",
    unencoded: options?.unencoded ?? false,
    headerName: (options?.headerName ?? "x-jws-signature").toLowerCase(),
  };
}

async function signingKey(
  secret: string,
  alg: Alg,
): Promise<{ key: Key; kid?: string } | undefined> {
  if (alg === "HS256") {
    const bytes = encoder.encode(secret);
    return bytes.length >= minHmacKeyBytes ? { key: bytes } : undefined;
  }
  const decoded = decodePkcs8(secret);
  if (decoded?.curve !== curveOf[alg]) return undefined;
  try {
    const key = await importPrivateKey(decoded.der, decoded.curve);
    return { key, kid: (await publicJwkOf(key, alg)).kid };
  } catch {
    return undefined;
  }
}

function describeJwsSecretProblem(secret: string, alg: Alg | undefined): string | undefined {
  const pkcs8 = decodePkcs8(secret);
  if (alg === undefined) {
    return pkcs8 || encoder.encode(secret).length >= minHmacKeyBytes
      ? undefined
      : `must be a PKCS#8 private key or at least ${minHmacKeyBytes} bytes for HS256`;
  }
  if (alg === "HS256") {
    if (pkcs8) return "is a private key; HS256 takes a shared secret (or choose ES256/EdDSA)";
    return encoder.encode(secret).length >= minHmacKeyBytes
      ? undefined
      : `must be at least ${minHmacKeyBytes} bytes for HS256`;
  }
  if (pkcs8?.curve === curveOf[alg]) return undefined;
  return `must be a ${curveOf[alg]} private key in PKCS#8 (base64 DER or PEM) for ${alg}`;
}

export const jwsSigner = definePlugin({
  kind: "signer",
  name: "jws",
  version: "1.0.0",
  description: "Detached compact JWS over the body (HS256, ES256, EdDSA; optional b64:false)",
  options: jwsOptions,
  async sign({ body, secrets, options }) {
    const o = resolve(options);
    const keys = usable(await Promise.all(secrets.map((secret) => signingKey(secret, o.alg))));
    if (keys.length === 0) throw noUsableSecret("jws");
    const signatures = await Promise.all(
      keys.map(async ({ key, kid }) => {
        const header = {
          alg: o.alg,
          ...(kid ? { kid } : {}),
          ...(o.unencoded ? { b64: false, crit: ["b64"] } : {}),
        };
        const jws = await new FlattenedSign(body).setProtectedHeader(header).sign(key);
        return `${jws.protected}..${jws.signature}`;
      }),
    );
    return { [o.headerName]: signatures.join(",") };
  },
  generateSecret(options?) {
    const { alg } = resolve(options);
    return alg === "HS256" ? generateWhsec() : generatePkcs8(curveOf[alg]);
  },
  checkSecret(secret, options?) {
    return describeJwsSecretProblem(secret, options?.alg);
  },
  async publicKey(secret) {
    const decoded = decodePkcs8(secret);
    if (!decoded) return {};
    const key = await importPrivateKey(decoded.der, decoded.curve);
    const jwk = await publicJwkOf(key, algOf[decoded.curve]);
    return { text: JSON.stringify(jwk), jwk };
  },
});

async function verificationKey(secret: string, alg: Alg): Promise<Key | undefined> {
  if (alg === "HS256") return secret === "" ? undefined : encoder.encode(secret);
  try {
    const { kty, crv, x, y } = JSON.parse(secret) as JWK;
    // Only the public members: a private JWK pasted here still verifies, and `d` stays unused.
    const key = await importJWK({ kty, crv, x, y }, alg);
    return key instanceof Uint8Array ? undefined : key;
  } catch {
    return undefined;
  }
}

interface DetachedJws {
  protected: string;
  signature: string;
  unencoded: boolean;
}

function parseDetached(text: string): DetachedJws | undefined {
  const parts = text.trim().split(".");
  const [header, payload, signature] = parts;
  if (parts.length !== 3 || payload !== "" || !header || !signature) return undefined;
  if (!/^[A-Za-z0-9_-]+$/.test(header) || !/^[A-Za-z0-9_-]+$/.test(signature)) return undefined;
  try {
    const parsed: unknown = JSON.parse(decoder.decode(base64url.decode(header)));
    if (parsed === null || typeof parsed !== "object") return undefined;
    const unencoded = (parsed as { b64?: unknown }).b64 === false;
    return { protected: header, signature, unencoded };
  } catch {
    return undefined;
  }
}

export const jwsVerifier = definePlugin({
  kind: "verifier",
  name: "jws",
  version: "1.0.0",
  description: "Detached compact JWS over the body (HS256, ES256, EdDSA; optional b64:false)",
  options: jwsOptions,
  async verify({ body, headers, secrets, options }) {
    const o = resolve(options);
    const value = headers[o.headerName];
    if (!value) return reject("missing_signature", `no ${o.headerName} header`);
    const keys = usable(await Promise.all(secrets.map((s) => verificationKey(s, o.alg))));
    if (keys.length === 0) return reject("missing_secret", `no key usable for ${o.alg}`);
    const entries = usable(value.split(",").map(parseDetached));
    if (entries.length === 0) return reject("malformed_signature", "not a detached compact JWS");
    const encodedBody = base64url.encode(body);
    for (const entry of entries) {
      const payload = entry.unencoded ? body : encodedBody;
      for (const key of keys) {
        // `algorithms` pins the endpoint's alg: a header claiming another (HS256 keyed with a
        // public key, "none") fails here rather than being trusted.
        const ok = await flattenedVerify(
          { protected: entry.protected, payload, signature: entry.signature },
          key,
          { algorithms: [o.alg] },
        ).then(
          () => true,
          () => false,
        );
        if (ok) return verified;
      }
    }
    return reject("bad_signature");
  },
});
