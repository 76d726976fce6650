/**
 * Applies the drizzle-kit migrations embedded in the program, in one write transaction.
 * Keeps drizzle's own bookkeeping table and hashes, so `drizzle-kit migrate` and this runner
 * agree on what is applied.
 */
import { createHash } from "node:crypto";
import type { Client } from "@libsql/client";
import { embeddedMigrations } from "./migrations.generated.ts";

export interface EmbeddedMigration {
  tag: string;
  createdAt: number;
  sql: string;
}

const bookkeeping = `CREATE TABLE IF NOT EXISTS "__drizzle_migrations" (
  id SERIAL PRIMARY KEY, hash text NOT NULL, created_at numeric)`;

export async function applyMigrations(
  client: Client,
  migrations: EmbeddedMigration[] = embeddedMigrations,
): Promise<string[]> {
  const tx = await client.transaction("write");
  try {
    await tx.execute(bookkeeping);
    const last = await tx.execute(
      `SELECT created_at FROM "__drizzle_migrations" ORDER BY created_at DESC LIMIT 1`,
    );
    const lastAppliedAt = Number(last.rows[0]?.created_at ?? -1);
    const applied: string[] = [];
    for (const migration of migrations) {
      if (migration.createdAt <= lastAppliedAt) continue;
      for (const statement of migration.sql.split("--> statement-breakpoint")) {
        if (statement.trim() !== "") await tx.execute(statement);
      }
      const hash = createHash("sha256").update(migration.sql).digest("hex");
      await tx.execute({
        sql: `INSERT INTO "__drizzle_migrations" (hash, created_at) VALUES (?, ?)`,
        args: [hash, migration.createdAt],
      });
      applied.push(migration.tag);
    }
    await tx.commit();
    return applied;
  } finally {
    tx.close();
  }
}

/** True when every embedded migration is recorded as applied. */
export async function isFullyMigrated(client: Client): Promise<boolean> {
  const newest = embeddedMigrations.at(-1)?.createdAt ?? 0;
  try {
    const last = await client.execute(
      `SELECT MAX(created_at) AS created_at FROM "__drizzle_migrations"`,
    );
    return Number(last.rows[0]?.created_at ?? -1) >= newest;
  } catch {
    return false;
  }
}
