/** Queries on endpoints. Deleted endpoints stay as rows (deliveries point at them). */
import { and, asc, eq, gt, isNull } from "drizzle-orm";
import type { Queryable } from "./client.ts";
import { openSecret, sealSecret } from "./secret-cipher.ts";
import { type EndpointRow, deliveries, endpoints, type PreviousSecret } from "./schema.ts";

export type NewEndpoint = typeof endpoints.$inferInsert;
export type EndpointChanges = Partial<
  Pick<
    EndpointRow,
    | "url"
    | "description"
    | "eventTypes"
    | "headers"
    | "enabled"
    | "disabledReason"
    | "secret"
    | "previousSecrets"
    | "signing"
    | "transform"
    | "rateLimitPerSecond"
    | "failingSince"
  >
>;

export async function insertEndpoint(db: Queryable, endpoint: NewEndpoint): Promise<EndpointRow> {
  const [row] = await db
    .insert(endpoints)
    .values(await sealSecrets(endpoint))
    .returning();
  return openEndpointSecrets(row as EndpointRow);
}

export async function findEndpoint(db: Queryable, id: string): Promise<EndpointRow | undefined> {
  const [row] = await db
    .select()
    .from(endpoints)
    .where(and(eq(endpoints.id, id), isNull(endpoints.deletedAt)));
  return row && openEndpointSecrets(row);
}

/** Whether the endpoint exists and, if so, whether it was deleted (its row stays). */
export async function findEndpointState(
  db: Queryable,
  id: string,
): Promise<"live" | "deleted" | undefined> {
  const [row] = await db
    .select({ deletedAt: endpoints.deletedAt })
    .from(endpoints)
    .where(eq(endpoints.id, id));
  if (!row) return undefined;
  return row.deletedAt === null ? "live" : "deleted";
}

export async function listEndpoints(
  db: Queryable,
  limit: number,
  afterId: string | undefined,
): Promise<EndpointRow[]> {
  const live = isNull(endpoints.deletedAt);
  const rows = await db
    .select()
    .from(endpoints)
    .where(afterId ? and(live, gt(endpoints.id, afterId)) : live)
    .orderBy(asc(endpoints.id))
    .limit(limit);
  return Promise.all(rows.map(openEndpointSecrets));
}

/**
 * The endpoints a published event can go to: enabled, not deleted, not a source's own. Whole
 * rows with their secrets opened, so a publish can hand its deliveries over ready to send.
 */
export async function listRoutableEndpoints(db: Queryable): Promise<EndpointRow[]> {
  const rows = await db
    .select()
    .from(endpoints)
    .where(
      and(eq(endpoints.enabled, true), isNull(endpoints.deletedAt), isNull(endpoints.sourceId)),
    );
  return Promise.all(rows.map(openEndpointSecrets));
}

/**
 * Told the id of every endpoint row this module changes or deletes, whichever route, reload
 * or source did it: the scheduler holds deliveries built from the old row in memory. Called
 * inside the writing transaction, so a listener must only queue work, never write.
 */
type EndpointWriteListener = (endpointId: string, deleted: boolean) => void;

const endpointWriteListeners = new Set<EndpointWriteListener>();

/** @returns the function that unsubscribes. */
export function onEndpointWrite(listener: EndpointWriteListener): () => void {
  endpointWriteListeners.add(listener);
  return () => endpointWriteListeners.delete(listener);
}

function endpointWritten(endpointId: string, deleted = false): void {
  for (const listener of endpointWriteListeners) listener(endpointId, deleted);
}

export async function updateEndpoint(
  db: Queryable,
  id: string,
  changes: EndpointChanges,
  now: number,
): Promise<EndpointRow | undefined> {
  const [row] = await db
    .update(endpoints)
    .set({ ...(await sealSecrets(changes)), updatedAt: now })
    .where(and(eq(endpoints.id, id), isNull(endpoints.deletedAt)))
    .returning();
  if (row) endpointWritten(id);
  return row && openEndpointSecrets(row);
}

/** Marks the endpoint deleted and cancels what it still had pending. */
export async function deleteEndpoint(db: Queryable, id: string, now: number): Promise<boolean> {
  const deleted = await db
    .update(endpoints)
    .set({ deletedAt: now, enabled: false, updatedAt: now })
    .where(and(eq(endpoints.id, id), isNull(endpoints.deletedAt)))
    .returning({ id: endpoints.id });
  if (deleted.length === 0) return false;
  endpointWritten(id, true);
  await db
    .update(deliveries)
    .set({ status: "cancelled", nextAttemptAt: null, updatedAt: now, finishedAt: now })
    .where(and(eq(deliveries.endpointId, id), eq(deliveries.status, "pending")));
  return true;
}

/** Secrets are sealed on the way into the table and opened on the way out (secret-cipher). */
async function sealSecrets<T extends { secret?: string; previousSecrets?: PreviousSecret[] }>(
  values: T,
): Promise<T> {
  const sealed = { ...values };
  if (values.secret !== undefined) sealed.secret = await sealSecret(values.secret);
  if (values.previousSecrets) {
    sealed.previousSecrets = await Promise.all(
      values.previousSecrets.map(async (p) => ({ ...p, secret: await sealSecret(p.secret) })),
    );
  }
  return sealed;
}

/** The endpoint row with its secrets opened (they are sealed in the table). */
export async function openEndpointSecrets(row: EndpointRow): Promise<EndpointRow> {
  return {
    ...row,
    secret: await openSecret(row.secret),
    previousSecrets: await openPreviousSecrets(row.previousSecrets),
  };
}

export function openPreviousSecrets(stored: PreviousSecret[]): Promise<PreviousSecret[]> {
  return Promise.all(stored.map(async (p) => ({ ...p, secret: await openSecret(p.secret) })));
}
