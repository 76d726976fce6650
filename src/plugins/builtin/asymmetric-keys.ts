/**
 * Ed25519 and P-256 private keys with Web Crypto alone, generated without awaiting (the SDK's
 * generateSecret is synchronous) and stored as PKCS#8 DER. Web Crypto imports private keys
 * only as PKCS#8 or JWK, so raw key material is wrapped in a fixed DER prefix; the public half
 * is read back from the JWK export, which the Web Crypto spec requires for private keys.
 */
import { base64url, calculateJwkThumbprint } from "jose";
import { concatBytes, fromBase64, type PublicJwk, toBase64 } from "../sdk.ts";
import { randomBytes } from "./secrets.ts";

export type Curve = "Ed25519" | "P-256";

// RFC 8410 §7: SEQUENCE { 0, SEQUENCE { OID 1.3.101.112 }, OCTET STRING { OCTET STRING(32) } }
const ed25519Prefix = Uint8Array.from([
  0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
]);

// RFC 5208 around RFC 5915's ECPrivateKey { 1, OCTET STRING(32) }, curve prime256v1; the
// optional public key is left out and derived on import.
const p256Prefix = Uint8Array.from([
  0x30, 0x41, 0x02, 0x01, 0x00, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01,
  0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07, 0x04, 0x27, 0x30, 0x25, 0x02, 0x01,
  0x01, 0x04, 0x20,
]);

/** The group order of P-256 (SEC 2 §2.4.2); a private scalar must lie in [1, n-1]. */
const p256Order = Uint8Array.from([
  0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
  0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
]);

const ed25519Oid = Uint8Array.from([0x06, 0x03, 0x2b, 0x65, 0x70]);
const p256CurveOid = Uint8Array.from([0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07]);

export const ed25519SeedBytes = 32;

export function ed25519SeedToPkcs8(seed: Uint8Array): Uint8Array<ArrayBuffer> {
  return concatBytes([ed25519Prefix, seed]);
}

function isValidP256Scalar(d: Uint8Array): boolean {
  if (d.every((byte) => byte === 0)) return false;
  for (let i = 0; i < p256Order.length; i++) {
    const a = d[i] as number;
    const b = p256Order[i] as number;
    if (a !== b) return a < b;
  }
  return false;
}

/** A new private key as base64 PKCS#8 DER (the body of a PEM "PRIVATE KEY"). */
export function generatePkcs8(curve: Curve): string {
  if (curve === "Ed25519") return toBase64(ed25519SeedToPkcs8(randomBytes(ed25519SeedBytes)));
  let scalar = randomBytes(32);
  // Rejection sampling; a draw at or above n happens about once in 2^32.
  while (!isValidP256Scalar(scalar)) scalar = randomBytes(32);
  return toBase64(concatBytes([p256Prefix, scalar]));
}

function contains(haystack: Uint8Array, needle: Uint8Array, within: number): boolean {
  const end = Math.min(haystack.length, within) - needle.length;
  for (let start = 0; start <= end; start++) {
    if (needle.every((byte, i) => haystack[start + i] === byte)) return true;
  }
  return false;
}

/**
 * A PKCS#8 key from base64 DER or PEM text, and its curve read from the algorithm identifier
 * (a shallow look: importing is the real check, and it is asynchronous).
 */
export function decodePkcs8(text: string): { der: Uint8Array; curve: Curve } | undefined {
  const body = text.replace(/-----(BEGIN|END) PRIVATE KEY-----/g, "").replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]{40,}={0,2}$/.test(body)) return undefined;
  const der = fromBase64(body);
  if (!der || der[0] !== 0x30) return undefined;
  if (contains(der, ed25519Oid, 16)) return { der, curve: "Ed25519" };
  if (contains(der, p256CurveOid, 32)) return { der, curve: "P-256" };
  return undefined;
}

export function importPrivateKey(der: Uint8Array, curve: Curve): Promise<CryptoKey> {
  const algorithm =
    curve === "Ed25519" ? { name: "Ed25519" } : { name: "ECDSA", namedCurve: "P-256" };
  return crypto.subtle.importKey("pkcs8", new Uint8Array(der), algorithm, true, ["sign"]);
}

/**
 * The public JWK of a private key, with `kid` = its RFC 7638 thumbprint so a receiver can
 * pick the key out of a JWKS by the `kid` of a signature.
 */
export async function publicJwkOf(privateKey: CryptoKey, alg: string): Promise<PublicJwk> {
  const full = await crypto.subtle.exportKey("jwk", privateKey);
  const members = { kty: full.kty ?? "", crv: full.crv, x: full.x, y: full.y };
  const kid = await calculateJwkThumbprint(members);
  const jwk: PublicJwk = { kty: members.kty, crv: members.crv, x: members.x };
  if (members.y !== undefined) jwk.y = members.y;
  return { ...jwk, kid, alg, use: "sig" };
}

export function rawPublicKeyOf(jwk: PublicJwk): Uint8Array {
  return base64url.decode(jwk.x ?? "");
}
