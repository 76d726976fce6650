/**
 * Header names that the relay sets itself on every delivery, so neither an endpoint's custom
 * headers nor a transform may set them: hop-by-hop headers (RFC 9110 §7.6.1), framing, the
 * Standard Webhooks `webhook-*` family, and the relay's own `hookrelay-*`.
 */
export function isReservedHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return (
    lower.startsWith("webhook-") ||
    lower.startsWith("hookrelay-") ||
    [
      "host",
      "content-length",
      "content-type",
      "content-encoding",
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
