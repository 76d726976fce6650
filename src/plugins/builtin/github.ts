/**
 * GitHub-style signatures (docs.github.com, "Validating webhook deliveries"):
 * `X-Hub-Signature-256: sha256=<hex>`, HMAC-SHA256 of the body keyed by the secret string.
 * GitHub sends one signature, so a rotation cannot overlap: the newest secret signs, and
 * receivers switch keys when told. The legacy SHA-1 `X-Hub-Signature` is sent only when asked.
 */
import { definePlugin, fromHex, hmac, t, toHex } from "../sdk.ts";
import { describeSharedSecretProblem, noUsableSecret, nonEmpty } from "./secrets.ts";
import {
  anySignatureMatches,
  parseJsonObject,
  reject,
  stringField,
  verified,
} from "./verify-result.ts";

const scheme = "github";

export const githubSigner = definePlugin({
  kind: "signer",
  name: scheme,
  version: "1.0.0",
  description: "X-Hub-Signature-256: sha256=… (HMAC-SHA256 of the body, hex)",
  options: t.Object({
    sha1: t.Optional(
      t.Boolean({ default: false, description: "also send the legacy X-Hub-Signature (SHA-1)" }),
    ),
  }),
  async sign({ eventId, body, secrets: configured, options }) {
    const secrets = nonEmpty(configured);
    const [newest] = secrets;
    if (newest === undefined) throw noUsableSecret(scheme);
    const headers: Record<string, string> = {
      "x-hub-signature-256": `sha256=${toHex(await hmac("SHA-256", newest, body))}`,
      // GitHub's delivery GUID header; receivers written for GitHub dedupe on it.
      "x-github-delivery": eventId,
    };
    if (options.sha1)
      headers["x-hub-signature"] = `sha1=${toHex(await hmac("SHA-1", newest, body))}`;
    return headers;
  },
  checkSecret: describeSharedSecretProblem,
});

export const githubVerifier = definePlugin({
  kind: "verifier",
  name: scheme,
  version: "1.0.0",
  description: "X-Hub-Signature-256: sha256=… (HMAC-SHA256 of the body, hex)",
  async verify({ body, headers, secrets: configured }) {
    const secrets = nonEmpty(configured);
    const value = headers["x-hub-signature-256"];
    if (!value) {
      // SHA-1 alone is not accepted: GitHub recommends SHA-256 and always sends it.
      return reject("missing_signature", "no x-hub-signature-256 header");
    }
    if (secrets.length === 0) return reject("missing_secret");
    const hex = value.startsWith("sha256=") ? value.slice("sha256=".length) : "";
    const received = hex.length === 64 ? fromHex(hex) : undefined;
    if (!received) return reject("malformed_signature", "expected sha256=<64 hex digits>");
    const expected = await Promise.all(secrets.map((secret) => hmac("SHA-256", secret, body)));
    return anySignatureMatches([received], expected) ? verified : reject("bad_signature");
  },
  describe({ body, headers }) {
    const event = headers["x-github-event"];
    const action = stringField(parseGithubPayload(body, headers["content-type"]), "action");
    return {
      eventType: event && action ? `${event}.${action}` : event,
      deliveryId: headers["x-github-delivery"],
    };
  },
});

/**
 * GitHub sends a JSON body, or with content type application/x-www-form-urlencoded the same
 * JSON in a `payload` form field (GitHub docs, "Webhook events and payloads").
 */
function parseGithubPayload(body: Uint8Array, contentType: string | undefined) {
  if (!/x-www-form-urlencoded/i.test(contentType ?? "")) return parseJsonObject(body);
  const payload = new URLSearchParams(new TextDecoder().decode(body)).get("payload");
  return payload === null ? undefined : parseJsonObject(new TextEncoder().encode(payload));
}
