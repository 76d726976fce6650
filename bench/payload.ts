/**
 * The one payload every figure uses: an event whose delivered body (the Standard Webhooks
 * envelope `{"type","timestamp","data"}` the relay sends) is exactly 1 KiB, and the signed
 * request the delivery limit sends with the same bytes and the same kind of HMAC.
 */
import { createHmac } from "node:crypto";

export const eventType = "invoice.paid";
export const deliveredBodyBytes = 1024;

const sampleData = { customer: "cus_123", amount: 4200, currency: "eur", pad: "" };

/** The `payload` of a publish request, padded so the delivered envelope is 1 KiB. */
export function buildEventPayload(): typeof sampleData {
  const envelope = (data: unknown) =>
    JSON.stringify({ type: eventType, timestamp: new Date(0).toISOString(), data });
  const data = { ...sampleData };
  data.pad = "x".repeat(deliveredBodyBytes - envelope(data).length);
  return data;
}

/** The delivered body itself, as the relay would render it now. */
export function buildDeliveredBody(): Uint8Array {
  const envelope = {
    type: eventType,
    timestamp: new Date().toISOString(),
    data: buildEventPayload(),
  };
  return new TextEncoder().encode(JSON.stringify(envelope));
}

/** A `whsec_` secret of 32 fixed bytes; the benchmark needs no secrecy, only the cost. */
export const benchSecret = `whsec_${Buffer.alloc(32, 7).toString("base64")}`;

/** Standard Webhooks v1 headers for one request, as the relay computes them. */
export function signDelivery(eventId: string, body: Uint8Array): Record<string, string> {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const key = Buffer.from(benchSecret.slice("whsec_".length), "base64");
  const hmac = createHmac("sha256", key).update(`${eventId}.${timestamp}.`).update(body);
  return {
    "content-type": "application/json",
    "user-agent": "hookrelay-bench",
    "webhook-id": eventId,
    "webhook-timestamp": timestamp,
    "webhook-signature": `v1,${hmac.digest("base64")}`,
  };
}
