/**
 * Standard Webhooks v1a (spec, "Asymmetric signatures"): an Ed25519 signature over
 * `${webhook-id}.${webhook-timestamp}.${body}`, sent as `webhook-signature: v1a,<sig>`.
 *
 * Key formats, matching the reference Go library of the spec: a secret is `whsk_` + base64
 * of the 32-byte Ed25519 seed (RFC 8032 §5.1.5's private key); a public key is `whpk_` +
 * base64 of the 32-byte raw public key. Signers hold `whsk_` secrets, verifiers `whpk_` keys.
 */
import { concatBytes, definePlugin, toBase64 } from "../sdk.ts";
import {
  ed25519SeedBytes,
  ed25519SeedToPkcs8,
  importPrivateKey,
  publicJwkOf,
  rawPublicKeyOf,
} from "./asymmetric-keys.ts";
import { decodePrefixedBase64, noUsableSecret, randomBytes, usable } from "./secrets.ts";
import {
  describeStandardWebhook,
  parseVersionedSignatures,
  readStandardHeaders,
  standardWebhooksVerifyOptions,
} from "./standard-webhooks.ts";
import { checkTimestamp, defaultToleranceSeconds, reject, verified } from "./verify-result.ts";

const scheme = "standard-webhooks-ed25519";
const encoder = new TextEncoder();
const ed25519SignatureBytes = 64;

function importEd25519Seed(seed: Uint8Array): Promise<CryptoKey> {
  return importPrivateKey(ed25519SeedToPkcs8(seed), "Ed25519");
}

function importEd25519Public(raw: Uint8Array): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", new Uint8Array(raw), { name: "Ed25519" }, false, [
    "verify",
  ]);
}

function decodeKey(text: string, prefix: "whsk_" | "whpk_"): Uint8Array | undefined {
  const bytes = decodePrefixedBase64(text, prefix);
  return bytes?.length === ed25519SeedBytes ? bytes : undefined;
}

function signedContent(id: string, timestamp: string, body: Uint8Array): Uint8Array<ArrayBuffer> {
  return concatBytes([encoder.encode(`${id}.${timestamp}.`), body]);
}

export const standardWebhooksEd25519Signer = definePlugin({
  kind: "signer",
  name: scheme,
  version: "1.0.0",
  description: "Standard Webhooks v1a: Ed25519 with whsk_ secrets and whpk_ public keys",
  async sign({ eventId, timestampSeconds, body, secrets }) {
    const seeds = usable(secrets.map((secret) => decodeKey(secret, "whsk_")));
    if (seeds.length === 0) throw noUsableSecret(scheme);
    const timestamp = String(timestampSeconds);
    const content = signedContent(eventId, timestamp, body);
    const signatures = await Promise.all(
      seeds.map(async (seed) => {
        const key = await importEd25519Seed(seed);
        return new Uint8Array(await crypto.subtle.sign("Ed25519", key, content));
      }),
    );
    return {
      "webhook-id": eventId,
      "webhook-timestamp": timestamp,
      "webhook-signature": signatures.map((sig) => `v1a,${toBase64(sig)}`).join(" "),
    };
  },
  generateSecret() {
    return `whsk_${toBase64(randomBytes(ed25519SeedBytes))}`;
  },
  checkSecret(secret) {
    if (decodeKey(secret, "whsk_")) return undefined;
    return `must be "whsk_" followed by base64 of a ${ed25519SeedBytes}-byte Ed25519 seed`;
  },
  async publicKey(secret) {
    const seed = decodeKey(secret, "whsk_");
    if (!seed) return {};
    const jwk = await publicJwkOf(await importEd25519Seed(seed), "EdDSA");
    return { text: `whpk_${toBase64(rawPublicKeyOf(jwk))}`, jwk };
  },
});

async function verifiesWithAny(
  keys: CryptoKey[],
  signature: Uint8Array,
  content: Uint8Array<ArrayBuffer>,
) {
  for (const key of keys) {
    // Some runtimes accept any 32 bytes at import and only fail here, on a bad point.
    const ok = await crypto.subtle
      .verify("Ed25519", key, new Uint8Array(signature), content)
      .catch(() => false);
    if (ok) return true;
  }
  return false;
}

export const standardWebhooksEd25519Verifier = definePlugin({
  kind: "verifier",
  name: scheme,
  version: "1.0.0",
  description: "Standard Webhooks v1a: Ed25519, verified with whpk_ public keys",
  checkSecret(secret) {
    return decodeKey(secret, "whpk_") ? undefined : "must be whpk_ + base64 of a 32-byte key";
  },
  options: standardWebhooksVerifyOptions,
  async verify({ body, headers, secrets, options, now }) {
    const parts = readStandardHeaders(headers);
    if ("ok" in parts) return parts;
    const raws = usable(secrets.map((secret) => decodeKey(secret, "whpk_")));
    // 32 bytes that are not a curve point may fail at import: such a key is skipped.
    const keys = usable(
      await Promise.all(raws.map((raw) => importEd25519Public(raw).catch(() => undefined))),
    );
    if (keys.length === 0) return reject("missing_secret", "no usable whpk_ public key");
    const tolerance = options.toleranceSeconds ?? defaultToleranceSeconds;
    const timestamp = checkTimestamp(parts.timestamp, now, tolerance);
    if (typeof timestamp !== "number") return timestamp;
    const received = parseVersionedSignatures(parts.signature, "v1a").filter(
      (signature) => signature.length === ed25519SignatureBytes,
    );
    if (received.length === 0) return reject("malformed_signature", "no v1a signature");
    const content = signedContent(parts.id, parts.timestamp, body);
    for (const signature of received) {
      if (await verifiesWithAny(keys, signature, content)) return verified;
    }
    return reject("bad_signature");
  },
  describe: describeStandardWebhook,
});
