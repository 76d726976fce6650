/**
 * Shopify webhooks (shopify.dev, "Verify webhooks"): `X-Shopify-Hmac-Sha256` is the base64
 * HMAC-SHA256 of the raw body, keyed by the app's client secret string. Shopify signs no
 * timestamp, so a captured request replays until its secret rotates; dedupe on
 * `X-Shopify-Webhook-Id` (returned by describe) is the only replay defence.
 */
import { definePlugin, hmac } from "../sdk.ts";
import { nonEmpty } from "./secrets.ts";
import { anySignatureMatches, decodeSignatureBase64, reject, verified } from "./verify-result.ts";

const sha256Bytes = 32;

export const shopifyVerifier = definePlugin({
  kind: "verifier",
  name: "shopify",
  version: "1.0.0",
  description: "X-Shopify-Hmac-Sha256 (HMAC-SHA256 of the body, base64)",
  async verify({ body, headers, secrets: configured }) {
    const secrets = nonEmpty(configured);
    const value = headers["x-shopify-hmac-sha256"];
    if (!value) return reject("missing_signature", "no x-shopify-hmac-sha256 header");
    if (secrets.length === 0) return reject("missing_secret");
    const received = decodeSignatureBase64(value.trim());
    if (received?.length !== sha256Bytes) {
      return reject("malformed_signature", "expected base64 of 32 bytes");
    }
    const expected = await Promise.all(secrets.map((secret) => hmac("SHA-256", secret, body)));
    return anySignatureMatches([received], expected) ? verified : reject("bad_signature");
  },
  describe({ headers }) {
    return {
      eventType: headers["x-shopify-topic"],
      deliveryId: headers["x-shopify-webhook-id"] ?? headers["x-shopify-event-id"],
    };
  },
});
