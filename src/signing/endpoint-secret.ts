/**
 * Endpoint signing secrets in the Standard Webhooks form: `whsec_` + base64 of the key bytes.
 * The spec asks for keys of 24 to 64 bytes.
 */
import { randomBytes } from "node:crypto";

const prefix = "whsec_";
export const minSecretBytes = 24;
export const maxSecretBytes = 64;

export function generateEndpointSecret(): string {
  return prefix + randomBytes(32).toString("base64");
}

/** The key bytes, or undefined when the text is not a valid `whsec_` secret. */
export function decodeEndpointSecret(secret: string): Uint8Array | undefined {
  if (!secret.startsWith(prefix)) return undefined;
  const encoded = secret.slice(prefix.length);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || encoded.length % 4 !== 0) return undefined;
  const key = Buffer.from(encoded, "base64");
  if (key.length < minSecretBytes || key.length > maxSecretBytes) return undefined;
  return key;
}

export function describeSecretProblem(secret: string): string | undefined {
  if (decodeEndpointSecret(secret) !== undefined) return undefined;
  return `must be "whsec_" followed by base64 of ${minSecretBytes} to ${maxSecretBytes} bytes`;
}

/** For logs and listings: the prefix and the last four characters only. */
export function redactSecret(secret: string): string {
  return `${prefix}…${secret.slice(-4)}`;
}
