/**
 * Queries on deliveries for the API and for intake: writing new ones, listing, and requeueing
 * (manual retry, dead-letter replay). Leases are in claim-store.ts, outcomes in
 * attempt-store.ts.
 */
import { and, asc, desc, eq, gte, inArray, lt, lte, type SQL, sql } from "drizzle-orm";
import type { Queryable } from "./client.ts";
import { insertRows } from "./bulk-rows.ts";
import {
  type AttemptRow,
  attempts,
  type DeliveryRow,
  type DeliveryStatus,
  deliveries,
} from "./schema.ts";

export type NewDelivery = typeof deliveries.$inferInsert;

export async function insertDeliveries(db: Queryable, rows: NewDelivery[]): Promise<void> {
  await insertRows(db, deliveries, rows);
}

export async function findDelivery(db: Queryable, id: string): Promise<DeliveryRow | undefined> {
  const [row] = await db.select().from(deliveries).where(eq(deliveries.id, id));
  return row;
}

export async function listDeliveriesForEvent(
  db: Queryable,
  eventId: string,
): Promise<DeliveryRow[]> {
  return db
    .select()
    .from(deliveries)
    .where(eq(deliveries.eventId, eventId))
    .orderBy(asc(deliveries.id));
}

export interface DeliveryFilter {
  status?: DeliveryStatus | undefined;
  endpointId?: string | undefined;
  eventId?: string | undefined;
  /** Only deliveries that finished (died) in this window; used for dead letters. */
  finishedSince?: number | undefined;
  finishedUntil?: number | undefined;
  /** True: only deliveries of endpoints not deleted; false: only of deleted ones. */
  endpointLive?: boolean | undefined;
}

function whereDeliveries(filter: DeliveryFilter): SQL | undefined {
  const conditions: SQL[] = [];
  if (filter.status) conditions.push(eq(deliveries.status, filter.status));
  if (filter.endpointId) conditions.push(eq(deliveries.endpointId, filter.endpointId));
  if (filter.eventId) conditions.push(eq(deliveries.eventId, filter.eventId));
  if (filter.finishedSince !== undefined) {
    conditions.push(gte(deliveries.finishedAt, filter.finishedSince));
  }
  if (filter.finishedUntil !== undefined) {
    conditions.push(lte(deliveries.finishedAt, filter.finishedUntil));
  }
  if (filter.endpointLive !== undefined) {
    const live = sql`EXISTS (SELECT 1 FROM endpoints ep
      WHERE ep.id = ${deliveries.endpointId} AND ep.deleted_at IS NULL)`;
    conditions.push(filter.endpointLive ? live : sql`NOT ${live}`);
  }
  return and(...conditions);
}

/** Newest first; delivery ids are time-ordered, so the cursor is the last id seen. */
export async function listDeliveries(
  db: Queryable,
  filter: DeliveryFilter & { limit: number; beforeId?: string | undefined },
): Promise<DeliveryRow[]> {
  const where = whereDeliveries(filter);
  return db
    .select()
    .from(deliveries)
    .where(filter.beforeId ? and(where, lt(deliveries.id, filter.beforeId)) : where)
    .orderBy(desc(deliveries.id))
    .limit(filter.limit);
}

export async function listAttempts(db: Queryable, deliveryId: string): Promise<AttemptRow[]> {
  return db
    .select()
    .from(attempts)
    .where(eq(attempts.deliveryId, deliveryId))
    .orderBy(asc(attempts.attempt));
}

export async function countDeliveries(db: Queryable, filter: DeliveryFilter): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`COUNT(*)` })
    .from(deliveries)
    .where(whereDeliveries(filter));
  return row?.n ?? 0;
}

/** Makes a delivery due now with a fresh retry schedule (manual retry, dead-letter replay). */
export async function requeueDeliveries(
  db: Queryable,
  filter: DeliveryFilter & { ids?: string[] },
  now: number,
): Promise<number> {
  const where = whereDeliveries(filter);
  const changed = await db
    .update(deliveries)
    .set({
      status: "pending",
      scheduleStep: 0,
      nextAttemptAt: now,
      updatedAt: now,
      finishedAt: null,
    })
    .where(filter.ids ? and(where, inArray(deliveries.id, filter.ids)) : where)
    .returning({ id: deliveries.id });
  return changed.length;
}
