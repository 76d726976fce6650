/**
 * Standard Webhooks v1 signatures: base64 HMAC-SHA256 over `${id}.${timestamp}.${body}`,
 * sent as `webhook-signature: v1,<sig>` with one space-separated entry per active secret.
 * Signs the exact bytes that go on the wire.
 */
import { createHmac } from "node:crypto";
import { decodeEndpointSecret } from "./endpoint-secret.ts";

export interface SigningInput {
  eventId: string;
  timestampSeconds: number;
  body: Uint8Array;
  /** Every secret that should sign: during a rotation overlap, the new and the old. */
  secrets: string[];
}

export function signStandardWebhook(input: SigningInput): Record<string, string> {
  const signatures = input.secrets.map((secret) => {
    const key = decodeEndpointSecret(secret);
    // Secrets are validated on the way in; one that is not is a corrupt row, so skip it
    // rather than sign with garbage.
    if (!key) return undefined;
    const hmac = createHmac("sha256", key);
    hmac.update(`${input.eventId}.${input.timestampSeconds}.`);
    hmac.update(input.body);
    return `v1,${hmac.digest("base64")}`;
  });
  return {
    "webhook-id": input.eventId,
    "webhook-timestamp": String(input.timestampSeconds),
    "webhook-signature": signatures.filter((s) => s !== undefined).join(" "),
  };
}
