/**
 * Stripe-style signatures (docs.stripe.com/webhooks#verify-manually): the header
 * `Stripe-Signature: t=<seconds>,v1=<hex>` where v1 is HMAC-SHA256 of `${t}.${body}` keyed
 * by the endpoint secret string's UTF-8 bytes (Stripe's own secrets are `whsec_…` and are
 * used whole, not base64-decoded). One `v1=` per secret during a rotation, as Stripe does.
 */
import { definePlugin, fromHex, hmac, t, toHex } from "../sdk.ts";
import { describeSharedSecretProblem, noUsableSecret, nonEmpty } from "./secrets.ts";
import {
  anySignatureMatches,
  checkTimestamp,
  defaultToleranceSeconds,
  toleranceOption,
  parseJsonObject,
  reject,
  stringField,
  verified,
} from "./verify-result.ts";

const scheme = "stripe";
const header = "stripe-signature";

export const stripeSigner = definePlugin({
  kind: "signer",
  name: scheme,
  version: "1.0.0",
  description: "Stripe-Signature: t=…,v1=… (HMAC-SHA256, hex)",
  async sign({ timestampSeconds, body, secrets: configured }) {
    const secrets = nonEmpty(configured);
    if (secrets.length === 0) throw noUsableSecret(scheme);
    const macs = await Promise.all(
      secrets.map((secret) => hmac("SHA-256", secret, `${timestampSeconds}.`, body)),
    );
    const entries = macs.map((mac) => `v1=${toHex(mac)}`);
    return { [header]: [`t=${timestampSeconds}`, ...entries].join(",") };
  },
  checkSecret: describeSharedSecretProblem,
});

interface StripeHeader {
  timestamp: string | undefined;
  signatures: Uint8Array[];
}

/** Splits `t=…,v1=…,v0=…`; other keys (v0, test-mode extras) are ignored, as Stripe does. */
function parseStripeHeader(value: string): StripeHeader | undefined {
  const parsed: StripeHeader = { timestamp: undefined, signatures: [] };
  for (const item of value.split(",")) {
    const equals = item.indexOf("=");
    if (equals < 0) continue;
    const key = item.slice(0, equals);
    const text = item.slice(equals + 1);
    if (key === "t") {
      // Two timestamps would leave it open which one the signature covers.
      if (parsed.timestamp !== undefined) return undefined;
      parsed.timestamp = text;
    } else if (key === "v1") {
      const signature = text.length === 64 ? fromHex(text) : undefined;
      if (signature) parsed.signatures.push(signature);
    }
  }
  return parsed;
}

export const stripeVerifier = definePlugin({
  kind: "verifier",
  name: scheme,
  version: "1.0.0",
  description: "Stripe-Signature: t=…,v1=… (HMAC-SHA256, hex)",
  options: t.Object({
    ...toleranceOption,
  }),
  async verify({ body, headers, secrets: configured, options, now }) {
    const secrets = nonEmpty(configured);
    const value = headers[header];
    if (!value) return reject("missing_signature", `no ${header} header`);
    if (secrets.length === 0) return reject("missing_secret");
    const parsed = parseStripeHeader(value);
    if (!parsed?.timestamp) return reject("malformed_signature", "no single t= timestamp");
    // Stripe's own library accepts any future timestamp; we bound both sides (see
    // checkTimestamp), which only matters for a sender whose clock is minutes ahead.
    const tolerance = options.toleranceSeconds ?? defaultToleranceSeconds;
    const timestamp = checkTimestamp(parsed.timestamp, now, tolerance);
    if (typeof timestamp !== "number") return timestamp;
    if (parsed.signatures.length === 0) return reject("malformed_signature", "no v1 signature");
    const expected = await Promise.all(
      secrets.map((secret) => hmac("SHA-256", secret, `${parsed.timestamp}.`, body)),
    );
    return anySignatureMatches(parsed.signatures, expected) ? verified : reject("bad_signature");
  },
  describe({ body }) {
    const event = parseJsonObject(body);
    return { eventType: stringField(event, "type"), deliveryId: stringField(event, "id") };
  },
});
