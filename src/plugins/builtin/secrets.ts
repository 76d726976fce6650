/**
 * Secret formats the built-in signers share. Standard Webhooks secrets are `whsec_` + base64
 * of the key; provider-style schemes (Stripe, GitHub, generic HMAC) key the HMAC with the
 * secret string's UTF-8 bytes, exactly as those providers document.
 */
import { HookrelayError } from "../../errors/hookrelay-error.ts";
import { fromBase64, toBase64 } from "../sdk.ts";

/** The Standard Webhooks spec asks for symmetric keys of 24 to 64 bytes. */
const minWhsecBytes = 24;
const maxWhsecBytes = 64;

/** Below this a shared secret is a typo or a password, not a key. */
export const minSharedSecretChars = 16;

export function randomBytes(length: number): Uint8Array<ArrayBuffer> {
  return crypto.getRandomValues(new Uint8Array(length));
}

/** The key bytes of `<prefix><base64>`, or undefined when the text is not in that form. */
export function decodePrefixedBase64(secret: string, prefix: string): Uint8Array | undefined {
  if (!secret.startsWith(prefix)) return undefined;
  const encoded = secret.slice(prefix.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || encoded.length % 4 !== 0) return undefined;
  return fromBase64(encoded);
}

export function decodeWhsec(secret: string): Uint8Array | undefined {
  const key = decodePrefixedBase64(secret, "whsec_");
  if (!key || key.length < minWhsecBytes || key.length > maxWhsecBytes) return undefined;
  return key;
}

export function describeWhsecProblem(secret: string): string | undefined {
  if (decodeWhsec(secret) !== undefined) return undefined;
  return `must be "whsec_" followed by base64 of ${minWhsecBytes} to ${maxWhsecBytes} bytes`;
}

export function generateWhsec(): string {
  return `whsec_${toBase64(randomBytes(32))}`;
}

export function describeSharedSecretProblem(secret: string): string | undefined {
  if (secret.length >= minSharedSecretChars) return undefined;
  return `must be at least ${minSharedSecretChars} characters`;
}

/**
 * Secrets are checked when an endpoint is saved, so a signer that finds none it can use has
 * a corrupt or mismatched row; failing the attempt (recorded as plugin_error) is better than
 * sending an unsigned request the receiver would have to reject anyway.
 */
export function noUsableSecret(scheme: string): HookrelayError {
  return new HookrelayError("ERR_PLUGIN", `${scheme}: none of the endpoint's secrets is usable`);
}

/** An empty string cannot key an HMAC (Web Crypto refuses it); such a row is skipped. */
export function nonEmpty(secrets: string[]): string[] {
  return secrets.filter((secret) => secret !== "");
}

export function usable<T>(values: (T | undefined)[]): T[] {
  return values.filter((value): value is T => value !== undefined);
}
