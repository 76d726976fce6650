/**
 * Header names that the relay sets itself on every delivery, so neither an endpoint's custom
 * headers nor a transform may set them: hop-by-hop headers (RFC 9110 §7.6.1), framing, and
 * the Standard Webhooks `webhook-*` family.
 */
export function isReservedHeader(name: string): boolean {
  const lower = name.toLowerCase();
  return (
    lower.startsWith("webhook-") ||
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
