/** Queries on named API tokens. Rows keep only the token's SHA-256; revoked rows stay. */
import { and, asc, eq, isNull } from "drizzle-orm";
import type { Queryable } from "./client.ts";
import { type ApiTokenRow, apiTokens } from "./schema.ts";

export type NewApiToken = typeof apiTokens.$inferInsert;

export async function insertToken(db: Queryable, token: NewApiToken): Promise<ApiTokenRow> {
  const [row] = await db.insert(apiTokens).values(token).returning();
  return row as ApiTokenRow;
}

/** The live token with this hash, if any; a revoked token is not found. */
export async function findLiveTokenByHash(
  db: Queryable,
  tokenHash: string,
): Promise<ApiTokenRow | undefined> {
  const [row] = await db
    .select()
    .from(apiTokens)
    .where(and(eq(apiTokens.tokenHash, tokenHash), isNull(apiTokens.revokedAt)));
  return row;
}

export async function listTokens(db: Queryable): Promise<ApiTokenRow[]> {
  return db.select().from(apiTokens).orderBy(asc(apiTokens.id));
}

export async function findToken(db: Queryable, id: string): Promise<ApiTokenRow | undefined> {
  const [row] = await db.select().from(apiTokens).where(eq(apiTokens.id, id));
  return row;
}

/** @returns false when no live token has this id. */
export async function revokeToken(db: Queryable, id: string, now: number): Promise<boolean> {
  const revoked = await db
    .update(apiTokens)
    .set({ revokedAt: now })
    .where(and(eq(apiTokens.id, id), isNull(apiTokens.revokedAt)))
    .returning({ id: apiTokens.id });
  return revoked.length > 0;
}

export async function touchToken(db: Queryable, id: string, now: number): Promise<void> {
  await db.update(apiTokens).set({ lastUsedAt: now }).where(eq(apiTokens.id, id));
}
