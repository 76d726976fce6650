/**
 * Which inbound headers travel on to the destinations. An allowlist, not a blocklist: the
 * providers' signature, event and delivery headers (so the original signature still verifies
 * after the hop), plus what the source adds. Credentials and hop-by-hop headers stay behind
 * unless the source names them; framing headers never pass, the relay sets its own.
 */
import { isReservedHeader } from "../delivery/reserved-headers.ts";

const providerHeaders = [
  /^x-github-/,
  /^x-hub-signature(-256)?$/,
  /^stripe-signature$/,
  /^x-shopify-/,
  /^x-slack-(signature|request-timestamp|retry-num|retry-reason)$/,
  /^x-gitlab-(event|token|event-uuid|webhook-uuid|instance)$/,
  /^x-request-id$/,
  /^x-signature(-[a-z0-9]+)?$/,
  /^x-jws-signature$/,
];

/**
 * Standard Webhooks headers would collide with the relay's own `webhook-*` signature for the
 * destination, so the provider's come along renamed: `webhook-id` → `x-original-webhook-id`.
 */
const renamed: Record<string, string> = {
  "webhook-id": "x-original-webhook-id",
  "webhook-timestamp": "x-original-webhook-timestamp",
  "webhook-signature": "x-original-webhook-signature",
};

export function selectForwardHeaders(
  headers: Headers,
  extraAllowed: readonly string[],
): Record<string, string> {
  const extra = new Set(extraAllowed.map((name) => name.toLowerCase()));
  const forwarded: Record<string, string> = {};
  for (const [name, value] of headers) {
    const renamedTo = renamed[name];
    if (renamedTo) forwarded[renamedTo] = value;
    else if (isReservedHeader(name)) continue;
    else if (extra.has(name) || providerHeaders.some((rule) => rule.test(name))) {
      forwarded[name] = value;
    }
  }
  return forwarded;
}
