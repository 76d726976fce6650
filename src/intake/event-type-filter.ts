/**
 * Which endpoints an event type is routed to. Patterns match by dot segment: `invoice.*`
 * matches `invoice.paid` but neither `invoice` nor `invoice.paid.late`; a lone `*` (or an
 * empty list) matches every type.
 */
export function matchesEventType(patterns: readonly string[], eventType: string): boolean {
  if (patterns.length === 0) return true;
  return patterns.some((pattern) => matchesPattern(pattern, eventType));
}

function matchesPattern(pattern: string, eventType: string): boolean {
  if (pattern === "*") return true;
  const wanted = pattern.split(".");
  const actual = eventType.split(".");
  if (wanted.length !== actual.length) return false;
  return wanted.every((segment, i) => segment === "*" || segment === actual[i]);
}

export const eventTypePatternRule = /^(\*|[A-Za-z0-9_:-]+)(\.(\*|[A-Za-z0-9_:-]+))*$/;
