/**
 * What the outbox holds, and pruning it. An event goes, with its deliveries and their
 * attempts, once every delivery of it is finished and past its retention: succeeded,
 * cancelled and skipped ones after the short age, dead letters after the long one. Pending
 * work is never pruned. Pruning walks events in creation order with a cursor, one small batch
 * per write transaction, so a long backlog of old rows never holds the single writer long.
 */
import { sql } from "drizzle-orm";
import type { Queryable } from "./client.ts";
import type { DeliveryStatus } from "./schema.ts";

export interface OutboxStats {
  byStatus: Partial<Record<DeliveryStatus, number>>;
  /** Creation time of the oldest pending delivery. */
  oldestPendingCreatedAt: number | undefined;
  /**
   * The earliest due time among pending deliveries already due that a claim would take: those
   * held for a disabled (or deleted) endpoint wait on purpose and are not the backlog's lag.
   */
  oldestDueAt: number | undefined;
}

export async function readOutboxStats(db: Queryable, now = Date.now()): Promise<OutboxStats> {
  const counts = await db.all<{ status: DeliveryStatus; n: number }>(
    sql`SELECT status, COUNT(*) AS n FROM deliveries GROUP BY status`,
  );
  // Delivery ids are time-ordered, so the first pending id by the status index is the oldest.
  const [oldest] = await db.all<{ created_at: number }>(
    sql`SELECT created_at FROM deliveries WHERE status = 'pending' ORDER BY id LIMIT 1`,
  );
  const [due] = await db.all<{ due: number | null }>(sql`
    SELECT MIN(d.next_attempt_at) AS due FROM deliveries d
    WHERE d.status = 'pending' AND d.next_attempt_at <= ${now}
      AND EXISTS (SELECT 1 FROM endpoints ep WHERE ep.id = d.endpoint_id AND ep.enabled = 1)`);
  return {
    byStatus: Object.fromEntries(counts.map((row) => [row.status, row.n])),
    oldestPendingCreatedAt: oldest?.created_at,
    oldestDueAt: due?.due ?? undefined,
  };
}

export interface PruneCutoffs {
  /** Succeeded, cancelled and skipped deliveries that finished before this may go. */
  finishedBefore: number;
  /** Dead letters that died before this may go. */
  deadBefore: number;
}

export interface PruneCursor {
  createdAt: number;
  id: string;
}

export interface PruneBatchResult {
  /** Where the next batch starts; undefined when the walk reached the cutoff. */
  cursor: PruneCursor | undefined;
  events: number;
  deliveries: number;
  attempts: number;
}

export async function pruneBatch(
  db: Queryable,
  cutoffs: PruneCutoffs,
  after: PruneCursor | undefined,
  limit: number,
): Promise<PruneBatchResult> {
  // No delivery can have finished before its event was created, so events created after
  // the later cutoff can never qualify: the walk stops there.
  const horizon = Math.max(cutoffs.finishedBefore, cutoffs.deadBefore);
  const start = after ? sql`AND (created_at, id) > (${after.createdAt}, ${after.id})` : sql``;
  const candidates = await db.all<{ id: string; created_at: number }>(sql`
    SELECT id, created_at FROM events WHERE created_at < ${horizon} ${start}
    ORDER BY created_at, id LIMIT ${limit}`);
  const last = candidates.at(-1);
  const cursor =
    candidates.length === limit && last ? { createdAt: last.created_at, id: last.id } : undefined;
  if (candidates.length === 0) return { cursor, events: 0, deliveries: 0, attempts: 0 };

  const ids = sql.join(
    candidates.map((row) => sql`${row.id}`),
    sql`, `,
  );
  const prunable = await db.all<{ id: string }>(sql`
    SELECT e.id FROM events e WHERE e.id IN (${ids})
      AND NOT EXISTS (
        SELECT 1 FROM deliveries d WHERE d.event_id = e.id AND NOT (
          (d.status IN ('succeeded', 'cancelled', 'skipped')
            AND d.finished_at < ${cutoffs.finishedBefore})
          OR (d.status = 'dead' AND d.finished_at < ${cutoffs.deadBefore})))
      AND (EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id)
        OR e.created_at < ${cutoffs.finishedBefore})`);
  if (prunable.length === 0) return { cursor, events: 0, deliveries: 0, attempts: 0 };

  const gone = sql.join(
    prunable.map((row) => sql`${row.id}`),
    sql`, `,
  );
  const attempts = await db.run(sql`
    DELETE FROM attempts WHERE delivery_id IN (
      SELECT id FROM deliveries WHERE event_id IN (${gone}))`);
  const deliveries = await db.run(sql`DELETE FROM deliveries WHERE event_id IN (${gone})`);
  const events = await db.run(sql`DELETE FROM events WHERE id IN (${gone})`);
  return {
    cursor,
    events: events.rowsAffected,
    deliveries: deliveries.rowsAffected,
    attempts: attempts.rowsAffected,
  };
}
