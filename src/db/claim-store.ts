/**
 * The scheduler's leases: claiming due deliveries with everything one attempt needs, the next
 * due time, and giving leases back. A delivery is in flight exactly while `lease_until` is set.
 */
import { and, inArray, isNotNull, notInArray, sql } from "drizzle-orm";
import type { Queryable } from "./client.ts";
import { openPreviousSecrets } from "./endpoint-store.ts";
import { openSecret } from "./secret-cipher.ts";
import { deliveries, type PluginChoice, type PreviousSecret } from "./schema.ts";

/** What the sender needs for one attempt, read in the same transaction as the claim. */
export interface ClaimedDelivery {
  id: string;
  eventId: string;
  eventType: string;
  eventCreatedAt: number;
  /** True for published events, whose body is the Standard Webhooks envelope. */
  isEnvelope: boolean;
  /** Inbound request headers to forward; empty for published events. */
  eventHeaders: Record<string, string>;
  endpointId: string;
  signing: PluginChoice;
  transform: PluginChoice | null;
  rateLimitPerSecond: number | null;
  attemptCount: number;
  scheduleStep: number;
  body: Uint8Array;
  contentType: string;
  url: string;
  headers: Record<string, string>;
  secret: string;
  /** Rotated-out secrets that may still sign (activeSecrets picks the unexpired), opened. */
  previousSecrets: PreviousSecret[];
}

interface ClaimRow {
  id: string;
  event_id: string;
  event_type: string;
  event_created_at: number;
  event_source_id: string | null;
  event_headers: string | null;
  signing: string;
  transform: string | null;
  rate_limit_per_second: number | null;
  endpoint_id: string;
  attempt_count: number;
  schedule_step: number;
  body: ArrayBuffer | Uint8Array;
  content_type: string;
  url: string;
  headers: string;
  secret: string;
  previous_secrets: string;
}

/**
 * Leases up to `limit` due deliveries of enabled endpoints, oldest due first, skipping the
 * endpoints listed in `skipEndpointIds` (those already at their concurrency limit).
 * `INDEXED BY deliveries_due` pins the plan to the partial index of pending rows in due
 * order: left to itself SQLite picks the status index and sorts every pending row, which
 * made one claim take 75 ms with 100,000 pending (bench/ drain scenario).
 */
export async function claimDueDeliveries(
  db: Queryable,
  options: { now: number; leaseUntil: number; limit: number; skipEndpointIds: string[] },
): Promise<ClaimedDelivery[]> {
  const skip =
    options.skipEndpointIds.length > 0
      ? sql`AND d.endpoint_id NOT IN (${sql.join(
          options.skipEndpointIds.map((id) => sql`${id}`),
          sql`, `,
        )})`
      : sql``;
  const leased = await db.all<{ id: string }>(sql`
    UPDATE deliveries SET lease_until = ${options.leaseUntil}
    WHERE id IN (
      SELECT d.id FROM deliveries d INDEXED BY deliveries_due
      WHERE d.status = 'pending' AND d.next_attempt_at <= ${options.now}
        AND (d.lease_until IS NULL OR d.lease_until < ${options.now})
        AND EXISTS (SELECT 1 FROM endpoints ep WHERE ep.id = d.endpoint_id AND ep.enabled = 1)
        ${skip}
      ORDER BY d.next_attempt_at
      LIMIT ${options.limit})
    RETURNING id`);
  if (leased.length === 0) return [];
  const ids = sql.join(
    leased.map((row) => sql`${row.id}`),
    sql`, `,
  );
  const rows = await db.all<ClaimRow>(sql`
    SELECT d.id, d.event_id, d.endpoint_id, d.attempt_count, d.schedule_step,
      ev.type AS event_type, ev.created_at AS event_created_at, ep.signing, ep.transform,
      ev.source_id AS event_source_id, ev.headers AS event_headers, ep.rate_limit_per_second,
      ev.body, ev.content_type, ep.url, ep.headers, ep.secret, ep.previous_secrets
    FROM deliveries d
    JOIN events ev ON ev.id = d.event_id
    JOIN endpoints ep ON ep.id = d.endpoint_id
    WHERE d.id IN (${ids})
    ORDER BY d.next_attempt_at`);
  return Promise.all(
    rows.map(async (row) => ({
      id: row.id,
      eventId: row.event_id,
      eventType: row.event_type,
      eventCreatedAt: row.event_created_at,
      isEnvelope: row.event_source_id === null,
      eventHeaders: row.event_headers
        ? (JSON.parse(row.event_headers) as Record<string, string>)
        : {},
      endpointId: row.endpoint_id,
      signing: JSON.parse(row.signing) as PluginChoice,
      transform: row.transform === null ? null : (JSON.parse(row.transform) as PluginChoice),
      rateLimitPerSecond: row.rate_limit_per_second,
      attemptCount: row.attempt_count,
      scheduleStep: row.schedule_step,
      body: row.body instanceof Uint8Array ? row.body : new Uint8Array(row.body),
      contentType: row.content_type,
      url: row.url,
      headers: JSON.parse(row.headers) as Record<string, string>,
      secret: await openSecret(row.secret),
      previousSecrets: await openPreviousSecrets(
        JSON.parse(row.previous_secrets) as PreviousSecret[],
      ),
    })),
  );
}

/** When the next delivery that could be claimed is due, if any is. */
export async function findNextDueAt(
  db: Queryable,
  skipEndpointIds: string[],
): Promise<number | undefined> {
  const skip =
    skipEndpointIds.length > 0
      ? sql`AND d.endpoint_id NOT IN (${sql.join(
          skipEndpointIds.map((id) => sql`${id}`),
          sql`, `,
        )})`
      : sql``;
  const [row] = await db.all<{ due: number | null }>(sql`
    SELECT MIN(d.next_attempt_at) AS due FROM deliveries d INDEXED BY deliveries_due
    WHERE d.status = 'pending' AND d.lease_until IS NULL
      AND EXISTS (SELECT 1 FROM endpoints ep WHERE ep.id = d.endpoint_id AND ep.enabled = 1)
      ${skip}`);
  return row?.due ?? undefined;
}

export async function releaseLeases(db: Queryable, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await db.update(deliveries).set({ leaseUntil: null }).where(inArray(deliveries.id, ids));
}

/**
 * Frees every lease but those in `keepIds`: after writes failed (a full disk), a lease this
 * process does not hold in memory is stale, and its delivery should not wait for it to expire.
 * Single-node only, like releaseAllLeases.
 */
export async function releaseLeasesExcept(db: Queryable, keepIds: string[]): Promise<number> {
  const held = keepIds.length > 0 ? notInArray(deliveries.id, keepIds) : undefined;
  const freed = await db
    .update(deliveries)
    .set({ leaseUntil: null })
    .where(and(isNotNull(deliveries.leaseUntil), held))
    .returning({ id: deliveries.id });
  return freed.length;
}

/**
 * Frees every lease. Only safe while no other relay process uses the database: at start, a
 * lease still set was held by a process that crashed, so its delivery goes out again.
 */
export async function releaseAllLeases(db: Queryable): Promise<number> {
  const freed = await db
    .update(deliveries)
    .set({ leaseUntil: null })
    .where(isNotNull(deliveries.leaseUntil))
    .returning({ id: deliveries.id });
  return freed.length;
}
