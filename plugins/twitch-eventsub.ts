/**
 * Example verifier with a handshake: Twitch EventSub webhooks (dev.twitch.tv/docs/eventsub/
 * handling-webhook-events). Twitch signs `message id + timestamp + body` with HMAC-SHA256 and
 * the subscription's secret, and before it sends events it posts a signed
 * `webhook_callback_verification` whose `challenge` the receiver must echo. Copy this file to
 * start your own; it uses only the SDK and Web APIs, so it runs under Bun, the hookrelay
 * binary and Deno alike.
 */
import { definePlugin, fromHex, hmac, t, timingSafeEqualBytes } from "hookrelay/plugin";

// Twitch asks receivers to refuse messages older than ten minutes.
const defaultToleranceSeconds = 600;

const decoder = new TextDecoder();

function challengeOf(body: Uint8Array): string | undefined {
  try {
    const parsed: unknown = JSON.parse(decoder.decode(body));
    const challenge = (parsed as { challenge?: unknown } | null)?.challenge;
    return typeof challenge === "string" && challenge !== "" ? challenge : undefined;
  } catch {
    return undefined;
  }
}

export default definePlugin({
  kind: "verifier",
  name: "twitch-eventsub",
  version: "1.0.0",
  description: "Twitch-Eventsub-Message-Signature: sha256=… over id + timestamp + body",
  options: t.Object({
    toleranceSeconds: t.Optional(
      t.Integer({ minimum: 1, maximum: 86_400, default: defaultToleranceSeconds }),
    ),
  }),
  // Twitch refuses subscription secrets outside 10-100 ASCII characters.
  checkSecret(secret) {
    return /^[\x21-\x7e]{10,100}$/.test(secret)
      ? undefined
      : "must be 10 to 100 printable ASCII characters, as Twitch requires";
  },
  async verify({ body, headers, secrets, options, now }) {
    const id = headers["twitch-eventsub-message-id"];
    const timestamp = headers["twitch-eventsub-message-timestamp"];
    const signature = headers["twitch-eventsub-message-signature"];
    if (!id || !timestamp || !signature) return { ok: false, reason: "missing_signature" };
    if (secrets.length === 0) return { ok: false, reason: "missing_secret" };
    const sentAt = Date.parse(timestamp);
    if (Number.isNaN(sentAt)) {
      return { ok: false, reason: "malformed_signature", detail: "timestamp is not RFC 3339" };
    }
    const toleranceMs = (options.toleranceSeconds ?? defaultToleranceSeconds) * 1000;
    if (Math.abs(now - sentAt) > toleranceMs) return { ok: false, reason: "stale_timestamp" };
    const received = signature.startsWith("sha256=") ? fromHex(signature.slice(7)) : undefined;
    if (!received || received.length !== 32) return { ok: false, reason: "malformed_signature" };
    for (const secret of secrets) {
      const expected = await hmac("SHA-256", secret, id, timestamp, body);
      if (timingSafeEqualBytes(received, expected)) return { ok: true };
    }
    return { ok: false, reason: "bad_signature" };
  },
  describe({ headers }) {
    return {
      eventType: headers["twitch-eventsub-subscription-type"],
      deliveryId: headers["twitch-eventsub-message-id"],
    };
  },
  handshake({ body, headers }) {
    if (headers["twitch-eventsub-message-type"] !== "webhook_callback_verification") {
      return undefined;
    }
    const challenge = challengeOf(body);
    return challenge === undefined ? undefined : { body: challenge, contentType: "text/plain" };
  },
});
