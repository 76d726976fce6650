/**
 * Databases prepared once per run and copied for each round: migrated by the relay's own
 * `migrate`, then filled by seed-database.ts (a million rows take a minute to write and a
 * second to copy). The seed ends with a WAL checkpoint, so the one file is the database.
 */
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { benchDir, makeTempDir, runScript } from "../processes.ts";
import { migrateDataDir } from "./relay-process.ts";
import type { SeedConfig } from "./seed-database.ts";

export interface DatabaseTemplate {
  dir: string;
  rows: number;
  seedSeconds: number;
}

export async function prepareDatabaseTemplate(
  seed: Omit<SeedConfig, "databaseFile">,
): Promise<DatabaseTemplate> {
  const dir = makeTempDir(seed.kind);
  await migrateDataDir(dir);
  const result = await runScript<{ rows: number; seconds: number }>(
    `${benchDir}/relay/seed-database.ts`,
    { ...seed, databaseFile: join(dir, "hookrelay.db") } satisfies SeedConfig,
    20 * 60_000,
  );
  Bun.spawnSync(["sync"]);
  return { dir, rows: result.rows, seedSeconds: result.seconds };
}

/**
 * A fresh data directory holding a copy of the template's database. The copy is flushed to
 * disk before the relay starts: the kernel writing back a gigabyte in the background would
 * slow every fsync of the measurement that follows.
 */
export function copyDatabaseTemplate(template: DatabaseTemplate): string {
  const dir = makeTempDir("data");
  copyFileSync(join(template.dir, "hookrelay.db"), join(dir, "hookrelay.db"));
  Bun.spawnSync(["sync"]);
  return dir;
}
