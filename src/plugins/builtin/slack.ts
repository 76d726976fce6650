/**
 * Slack request signing (api.slack.com/authentication/verifying-requests-from-slack):
 * `X-Slack-Signature: v0=<hex>`, HMAC-SHA256 of `v0:${X-Slack-Request-Timestamp}:${body}`
 * keyed by the app's signing secret string; Slack asks receivers to refuse requests more than
 * five minutes old.
 */
import { definePlugin, fromHex, hmac, t } from "../sdk.ts";
import { nonEmpty } from "./secrets.ts";
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

const decoder = new TextDecoder();

/**
 * Events API bodies are JSON (`event_callback` wraps the event and its `event_id`);
 * slash commands and interactive payloads arrive form-encoded, the latter as JSON in a
 * `payload` field.
 */
function describeSlackBody(body: Uint8Array) {
  const json = parseJsonObject(body);
  if (json) {
    return {
      eventType: stringField(json.event, "type") ?? stringField(json, "type"),
      deliveryId: stringField(json, "event_id"),
    };
  }
  const form = new URLSearchParams(decoder.decode(body));
  const payload = form.get("payload");
  if (payload !== null) {
    return { eventType: stringField(parseJsonObject(new TextEncoder().encode(payload)), "type") };
  }
  return { eventType: form.get("command") ?? undefined };
}

export const slackVerifier = definePlugin({
  kind: "verifier",
  name: "slack",
  version: "1.0.0",
  description: "X-Slack-Signature: v0=… over v0:timestamp:body (HMAC-SHA256, hex)",
  options: t.Object({
    ...toleranceOption,
  }),
  async verify({ body, headers, secrets: configured, options, now }) {
    const secrets = nonEmpty(configured);
    const value = headers["x-slack-signature"];
    const timestampText = headers["x-slack-request-timestamp"];
    if (!value || !timestampText) {
      return reject("missing_signature", "needs x-slack-signature and x-slack-request-timestamp");
    }
    if (secrets.length === 0) return reject("missing_secret");
    const tolerance = options.toleranceSeconds ?? defaultToleranceSeconds;
    const timestamp = checkTimestamp(timestampText, now, tolerance);
    if (typeof timestamp !== "number") return timestamp;
    const hex = value.startsWith("v0=") ? value.slice(3) : "";
    const received = hex.length === 64 ? fromHex(hex) : undefined;
    if (!received) return reject("malformed_signature", "expected v0=<64 hex digits>");
    const expected = await Promise.all(
      secrets.map((secret) => hmac("SHA-256", secret, `v0:${timestampText}:`, body)),
    );
    return anySignatureMatches([received], expected) ? verified : reject("bad_signature");
  },
  describe({ body }) {
    return describeSlackBody(body);
  },
  // Slack checks a new Request URL by posting a signed url_verification with a challenge,
  // and enables the URL only if the answer is that challenge.
  handshake({ body }) {
    const json = parseJsonObject(body);
    if (stringField(json, "type") !== "url_verification") return undefined;
    const challenge = stringField(json, "challenge");
    return challenge === undefined ? undefined : { body: challenge, contentType: "text/plain" };
  },
});
