/**
 * Standard Webhooks v1 (https://www.standardwebhooks.com, "Signature scheme"): base64
 * HMAC-SHA256 over `${webhook-id}.${webhook-timestamp}.${body}`, keyed by the bytes of a
 * `whsec_` secret, sent as `webhook-signature: v1,<sig>` with one space-separated entry per
 * secret so receivers keep verifying across a rotation.
 */
import { definePlugin, hmac, t, toBase64 } from "../sdk.ts";
import {
  decodeWhsec,
  describeWhsecProblem,
  generateWhsec,
  noUsableSecret,
  usable,
} from "./secrets.ts";
import {
  anySignatureMatches,
  checkTimestamp,
  decodeSignatureBase64,
  defaultToleranceSeconds,
  toleranceOption,
  parseJsonObject,
  reject,
  stringField,
  verified,
} from "./verify-result.ts";

const scheme = "standard-webhooks";

function signedContent(id: string, timestamp: string, body: Uint8Array) {
  return [`${id}.${timestamp}.`, body] as const;
}

export const standardWebhooksSigner = definePlugin({
  kind: "signer",
  name: scheme,
  version: "1.0.0",
  description: "Standard Webhooks v1: HMAC-SHA256 with whsec_ secrets",
  async sign({ eventId, timestampSeconds, body, secrets }) {
    const keys = usable(secrets.map(decodeWhsec));
    if (keys.length === 0) throw noUsableSecret(scheme);
    const timestamp = String(timestampSeconds);
    const macs = await Promise.all(
      keys.map((key) => hmac("SHA-256", key, ...signedContent(eventId, timestamp, body))),
    );
    return {
      "webhook-id": eventId,
      "webhook-timestamp": timestamp,
      "webhook-signature": macs.map((mac) => `v1,${toBase64(mac)}`).join(" "),
    };
  },
  generateSecret: generateWhsec,
  checkSecret: describeWhsecProblem,
});

/** The decoded signatures of one version in a space-separated `version,base64` list. */
export function parseVersionedSignatures(header: string, version: string): Uint8Array[] {
  const signatures: Uint8Array[] = [];
  for (const entry of header.split(" ")) {
    const comma = entry.indexOf(",");
    if (comma < 0 || entry.slice(0, comma) !== version) continue;
    const signature = decodeSignatureBase64(entry.slice(comma + 1));
    if (signature && signature.length > 0) signatures.push(signature);
  }
  return signatures;
}

/** Tolerance for both verifiers of the family. */
export const standardWebhooksVerifyOptions = t.Object({
  ...toleranceOption,
});

/** Reads the three headers the family shares, or says which is missing. */
export function readStandardHeaders(headers: Record<string, string>) {
  const id = headers["webhook-id"];
  const timestamp = headers["webhook-timestamp"];
  const signature = headers["webhook-signature"];
  if (!id || !timestamp || !signature) {
    return reject("missing_signature", "needs webhook-id, webhook-timestamp, webhook-signature");
  }
  return { id, timestamp, signature };
}

export function describeStandardWebhook(input: {
  body: Uint8Array;
  headers: Record<string, string>;
}) {
  // The spec's payload envelope carries the event type as `type`.
  return {
    eventType: stringField(parseJsonObject(input.body), "type"),
    deliveryId: input.headers["webhook-id"],
  };
}

export const standardWebhooksVerifier = definePlugin({
  kind: "verifier",
  name: scheme,
  version: "1.0.0",
  description: "Standard Webhooks v1: HMAC-SHA256 with whsec_ secrets",
  options: standardWebhooksVerifyOptions,
  checkSecret: describeWhsecProblem,
  async verify({ body, headers, secrets, options, now }) {
    const parts = readStandardHeaders(headers);
    if ("ok" in parts) return parts;
    const keys = usable(secrets.map(decodeWhsec));
    if (keys.length === 0) return reject("missing_secret", "no whsec_ secret configured");
    const tolerance = options.toleranceSeconds ?? defaultToleranceSeconds;
    const timestamp = checkTimestamp(parts.timestamp, now, tolerance);
    if (typeof timestamp !== "number") return timestamp;
    const received = parseVersionedSignatures(parts.signature, "v1");
    if (received.length === 0) return reject("malformed_signature", "no v1 signature");
    const expected = await Promise.all(
      keys.map((key) => hmac("SHA-256", key, ...signedContent(parts.id, parts.timestamp, body))),
    );
    return anySignatureMatches(received, expected) ? verified : reject("bad_signature");
  },
  describe: describeStandardWebhook,
});
