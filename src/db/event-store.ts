/** Queries on events. */
import { and, desc, eq, gte, inArray, lt, or } from "drizzle-orm";
import type { Queryable } from "./client.ts";
import { insertRows } from "./bulk-rows.ts";
import { type EventRow, events } from "./schema.ts";

export type NewEvent = typeof events.$inferInsert;

export async function insertEvent(db: Queryable, event: NewEvent): Promise<void> {
  await db.insert(events).values(event);
}

/** Many events in one statement (bulk-rows.ts). */
export async function insertEvents(db: Queryable, rows: NewEvent[]): Promise<void> {
  await insertRows(db, events, rows);
}

/** Events with any of these idempotency keys or ids, for a batch of publishes. */
export async function findEventsByKeysOrIds(
  db: Queryable,
  keys: string[],
  ids: string[],
): Promise<EventRow[]> {
  const conditions = [];
  if (keys.length > 0) conditions.push(inArray(events.idempotencyKey, keys));
  if (ids.length > 0) conditions.push(inArray(events.id, ids));
  if (conditions.length === 0) return [];
  return db
    .select()
    .from(events)
    .where(or(...conditions));
}

export async function findEvent(db: Queryable, id: string): Promise<EventRow | undefined> {
  const [row] = await db.select().from(events).where(eq(events.id, id));
  return row;
}

export async function findEventByIdempotencyKey(
  db: Queryable,
  key: string,
): Promise<EventRow | undefined> {
  const [row] = await db.select().from(events).where(eq(events.idempotencyKey, key));
  return row;
}

/** Newest first. Client-supplied ids do not sort by time, so the cursor is (createdAt, id). */
export async function listEvents(
  db: Queryable,
  filter: { type?: string | undefined; limit: number; before?: EventCursor | undefined },
): Promise<EventRow[]> {
  const conditions = [];
  if (filter.type) conditions.push(eq(events.type, filter.type));
  const before = filter.before;
  if (before) {
    conditions.push(
      or(
        lt(events.createdAt, before.createdAt),
        and(eq(events.createdAt, before.createdAt), lt(events.id, before.id)),
      ),
    );
  }
  return db
    .select()
    .from(events)
    .where(and(...conditions))
    .orderBy(desc(events.createdAt), desc(events.id))
    .limit(filter.limit);
}

export interface EventCursor {
  createdAt: number;
  id: string;
}

/** Events of `sourceId` with any of these provider delivery ids received since `since`. */
export async function findRecentDuplicates(
  db: Queryable,
  sourceId: string,
  dedupeKeys: string[],
  since: number,
): Promise<EventRow[]> {
  if (dedupeKeys.length === 0) return [];
  return db
    .select()
    .from(events)
    .where(
      and(
        eq(events.sourceId, sourceId),
        inArray(events.dedupeKey, dedupeKeys),
        gte(events.createdAt, since),
      ),
    );
}
