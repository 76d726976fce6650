/**
 * The headers of an outgoing delivery. The endpoint's custom headers go first so that the
 * relay's own (content type, user agent, signature) always win over them.
 */
import { signStandardWebhook } from "../signing/standard-webhooks.ts";

/** Header names an endpoint's custom headers may not set. */
export function isReservedHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return (
    lower.startsWith("webhook-") ||
    [
      "host",
      "content-length",
      "content-type",
      "transfer-encoding",
      "connection",
      "user-agent",
      "keep-alive",
      "upgrade",
      "te",
      "trailer",
      "expect",
    ].includes(lower)
  );
}

export interface DeliveryHeadersInput {
  eventId: string;
  body: Uint8Array;
  contentType: string;
  customHeaders: Record<string, string>;
  secrets: string[];
  timestampSeconds: number;
  userAgent: string;
}

export function buildDeliveryHeaders(input: DeliveryHeadersInput): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(input.customHeaders)) {
    if (!isReservedHeader(name)) headers[name.toLowerCase()] = value;
  }
  headers["content-type"] = input.contentType;
  headers["user-agent"] = input.userAgent;
  const signature = signStandardWebhook({
    eventId: input.eventId,
    timestampSeconds: input.timestampSeconds,
    body: input.body,
    secrets: input.secrets,
  });
  return { ...headers, ...signature };
}
