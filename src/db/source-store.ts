/** Queries on inbound sources. Deleted sources stay as rows (events point at them). */
import { and, asc, eq, gt, inArray, isNull } from "drizzle-orm";
import type { Queryable } from "./client.ts";
import { openEndpointSecrets } from "./endpoint-store.ts";
import {
  type EndpointRow,
  endpoints,
  type SourceRow,
  type SourceSecret,
  sources,
} from "./schema.ts";
import { openSecret, sealSecret } from "./secret-cipher.ts";

export type NewSource = typeof sources.$inferInsert;
export type SourceChanges = Partial<Omit<NewSource, "id" | "createdAt">>;

export async function insertSource(db: Queryable, source: NewSource): Promise<SourceRow> {
  const [row] = await db
    .insert(sources)
    .values({ ...source, secrets: await sealSourceSecrets(source.secrets) })
    .returning();
  return openSourceSecrets(row as SourceRow);
}

export async function findSource(db: Queryable, id: string): Promise<SourceRow | undefined> {
  const [row] = await db
    .select()
    .from(sources)
    .where(and(eq(sources.id, id), isNull(sources.deletedAt)));
  return row && openSourceSecrets(row);
}

export async function findSourceByName(
  db: Queryable,
  name: string,
): Promise<SourceRow | undefined> {
  const [row] = await db
    .select()
    .from(sources)
    .where(and(eq(sources.name, name), isNull(sources.deletedAt)));
  return row && openSourceSecrets(row);
}

export async function listSources(
  db: Queryable,
  limit: number,
  afterId: string | undefined,
): Promise<SourceRow[]> {
  const live = isNull(sources.deletedAt);
  const rows = await db
    .select()
    .from(sources)
    .where(afterId ? and(live, gt(sources.id, afterId)) : live)
    .orderBy(asc(sources.id))
    .limit(limit);
  return Promise.all(rows.map(openSourceSecrets));
}

export async function updateSource(
  db: Queryable,
  id: string,
  changes: SourceChanges,
  now: number,
): Promise<SourceRow | undefined> {
  const sealed = changes.secrets ? { secrets: await sealSourceSecrets(changes.secrets) } : {};
  const [row] = await db
    .update(sources)
    .set({ ...changes, ...sealed, updatedAt: now })
    .where(and(eq(sources.id, id), isNull(sources.deletedAt)))
    .returning();
  return row && openSourceSecrets(row);
}

export async function deleteSource(db: Queryable, id: string, now: number): Promise<boolean> {
  const deleted = await db
    .update(sources)
    .set({ deletedAt: now, updatedAt: now })
    .where(and(eq(sources.id, id), isNull(sources.deletedAt)))
    .returning({ id: sources.id });
  return deleted.length > 0;
}

/** The live endpoints among `ids`, whatever their state, to check destinations exist. */
export async function findEndpointsByIds(db: Queryable, ids: string[]): Promise<EndpointRow[]> {
  if (ids.length === 0) return [];
  return db
    .select()
    .from(endpoints)
    .where(and(inArray(endpoints.id, ids), isNull(endpoints.deletedAt)));
}

/** The destinations among `ids` that can take new deliveries now: enabled, not deleted. */
export async function listEnabledEndpointsAmong(
  db: Queryable,
  ids: string[],
): Promise<EndpointRow[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .select()
    .from(endpoints)
    .where(
      and(inArray(endpoints.id, ids), eq(endpoints.enabled, true), isNull(endpoints.deletedAt)),
    );
  // Whole rows with opened secrets: an inbound event's deliveries may be handed off ready.
  return Promise.all(rows.map(openEndpointSecrets));
}

async function sealSourceSecrets(secrets: SourceSecret[]): Promise<SourceSecret[]> {
  return Promise.all(secrets.map(async (s) => ({ ...s, value: await sealSecret(s.value) })));
}

async function openSourceSecrets(row: SourceRow): Promise<SourceRow> {
  const secrets = await Promise.all(
    row.secrets.map(async (s) => ({ ...s, value: await openSecret(s.value) })),
  );
  return { ...row, secrets };
}
