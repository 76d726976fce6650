/** How rows look on the wire: ISO times, camelCase, secrets only where asked for. */
import type { AttemptRow, DeliveryRow, EndpointRow, EventRow } from "../db/schema.ts";
import { maxNestingDepth, nestingDepth } from "./request-body.ts";

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

export function endpointJson(row: EndpointRow) {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    eventTypes: row.eventTypes,
    headers: row.headers,
    signing: { scheme: row.signing.plugin, options: row.signing.options },
    transform: row.transform,
    rateLimitPerSecond: row.rateLimitPerSecond,
    enabled: row.enabled,
    disabledReason: row.disabledReason,
    failingSince: iso(row.failingSince),
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

export function endpointSecretJson(row: EndpointRow, now = Date.now(), publicKey?: string) {
  const overlapping = row.previousSecrets.filter((previous) => previous.expiresAt > now);
  const [newest] = overlapping;
  return {
    secret: row.secret,
    // The newest rotated-out secret, as before several could overlap; all are in the list.
    previousSecret: newest?.secret ?? null,
    previousSecretExpiresAt: newest ? iso(newest.expiresAt) : null,
    previousSecrets: overlapping.map((p) => ({ secret: p.secret, expiresAt: iso(p.expiresAt) })),
    ...(publicKey === undefined ? {} : { publicKey }),
  };
}

export function deliveryJson(row: DeliveryRow) {
  return {
    id: row.id,
    eventId: row.eventId,
    endpointId: row.endpointId,
    status: row.status,
    attemptCount: row.attemptCount,
    nextAttemptAt: row.status === "pending" ? iso(row.nextAttemptAt) : null,
    lastStatusCode: row.lastStatusCode,
    lastError: row.lastError,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
    finishedAt: iso(row.finishedAt),
  };
}

export function attemptJson(row: AttemptRow) {
  return {
    id: row.id,
    attempt: row.attempt,
    startedAt: iso(row.startedAt),
    durationMs: row.durationMs,
    statusCode: row.statusCode,
    error: row.error,
    retryAfterMs: row.retryAfterMs,
    responseBody: row.responseBody,
    responseBodyTruncated: row.responseBodyTruncated,
  };
}

export function eventJson(row: EventRow) {
  return {
    id: row.id,
    type: row.type,
    sourceId: row.sourceId,
    contentType: row.contentType,
    payload: readPayload(row),
    createdAt: iso(row.createdAt),
  };
}

/** Published events carry their payload as the envelope's `data`; inbound ones as the body. */
function readPayload(row: EventRow): unknown {
  if (!/json/i.test(row.contentType)) return null;
  const text = new TextDecoder().decode(row.body);
  // Inbound bodies are stored as received, however deep; parsing and re-serialising a
  // 100,000-level document would overflow the stack, so it is shown as null.
  if (nestingDepth(text) > maxNestingDepth) return null;
  try {
    const parsed = JSON.parse(text) as { data?: unknown };
    return row.sourceId === null ? (parsed.data ?? null) : parsed;
  } catch {
    return null;
  }
}

/** Opaque cursors: base64url of what the next page starts after. */
export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

export function decodeCursor(cursor: string): unknown {
  try {
    return JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
  } catch {
    return undefined;
  }
}
