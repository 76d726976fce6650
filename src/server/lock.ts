/**
 * One relay per database. The scheduler frees every lease it finds at start, so two relays on
 * one database would both deliver everything. Node and Bun have no flock(), so the lock is
 * SQLite's own: a separate small database file, opened with `locking_mode=EXCLUSIVE` and
 * written once, keeps an exclusive POSIX lock for as long as this process holds the
 * connection open. The kernel drops that lock when the process ends in any way, `kill -9`
 * included, so a crash never leaves a stale lock to clean up by hand.
 */
import { mkdirSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { createClient } from "@libsql/client";
import { HookrelayError } from "../errors/hookrelay-error.ts";
import { databaseFilePath } from "../db/client.ts";

export interface DatabaseLock {
  path: string;
  release(): void;
}

/** The lock file beside an embedded database, or in the data directory for a remote one. */
export function lockPathFor(databaseUrl: string, dataDir: string): string {
  if (!databaseUrl.startsWith("file:")) return join(dataDir, "hookrelay.lock.db");
  const file = databaseFilePath(databaseUrl);
  return join(dirname(file), `${basename(file).replace(/\.db$/, "")}.lock.db`);
}

export async function acquireDatabaseLock(path: string): Promise<DatabaseLock> {
  mkdirSync(dirname(path), { recursive: true });
  // One connection (a pragma reaches only the connection it runs on) and no busy wait: a
  // second relay should hear at once that the lock is taken.
  const client = createClient({
    url: `file:${path}`,
    concurrency: 1,
    ...({ timeout: 0 } as object),
  });
  try {
    await client.execute("PRAGMA locking_mode = EXCLUSIVE");
    await client.execute("PRAGMA journal_mode = OFF");
    // The first write takes the exclusive lock; in this locking mode it is kept after commit.
    await client.batch(
      [
        "CREATE TABLE IF NOT EXISTS holder (pid INTEGER, started_at INTEGER)",
        "DELETE FROM holder",
        { sql: "INSERT INTO holder VALUES (?, ?)", args: [process.pid, Date.now()] },
      ],
      "write",
    );
  } catch (error) {
    client.close();
    if (isBusy(error)) {
      throw new HookrelayError(
        "ERR_LOCKED",
        `another hookrelay is already serving this database (lock ${path} is held); ` +
          "stop it first, or give this one its own --data-dir",
        { cause: error },
      );
    }
    throw new HookrelayError("ERR_DATABASE", `cannot take the lock ${path}`, { cause: error });
  }
  return { path, release: () => client.close() };
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: string }).code ?? "";
  const message = error instanceof Error ? error.message : "";
  return code.startsWith("SQLITE_BUSY") || /database is locked|busy/i.test(message);
}
