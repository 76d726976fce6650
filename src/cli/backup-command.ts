/**
 * `hookrelay backup <file>`: an online, consistent copy of the database while the relay
 * serves. SQLite's `VACUUM INTO` reads one snapshot (a read transaction; in WAL mode writers
 * carry on) and writes it compacted to a new file, so the copy holds exactly what was
 * committed when it began: every event acknowledged with a 202 before then. The copy is
 * checked with `PRAGMA integrity_check` before the command reports success.
 */
import { existsSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { createClient } from "@libsql/client";
import type { Command } from "commander";
import { type ConfigFlags, loadConfig } from "../config/config.ts";
import { redactDatabaseUrl } from "../config/redact.ts";
import { databaseFilePath } from "../db/client.ts";
import { HookrelayError } from "../errors/hookrelay-error.ts";
import { invalidArgument } from "./arguments.ts";
import { print, printRecord } from "./output.ts";

export function registerBackupCommand(program: Command): void {
  program
    .command("backup <file>")
    .description("write an online, consistent copy of the database (VACUUM INTO)")
    .option("--config <file>", "hookrelay.toml (HOOKRELAY_CONFIG)")
    .option("--data-dir <dir>", "data directory (HOOKRELAY_DATA_DIR, default ./data)")
    .option("--database-url <url>", "libSQL file URL (default file:<data-dir>/hookrelay.db)")
    .option("--json", "print JSON instead of a table")
    .addHelpText(
      "after",
      "\nSafe while the relay serves. Restore by stopping the relay and putting the copy in\n" +
        "place of hookrelay.db (remove hookrelay.db-wal and -shm first).\n\nExample:\n" +
        "  hookrelay backup /var/backups/hookrelay-$(date +%F).db --data-dir /var/lib/hookrelay",
    )
    .action((file: string, flags: ConfigFlags & { json?: boolean }) => runBackup(file, flags));
}

export async function runBackup(file: string, flags: ConfigFlags & { json?: boolean }) {
  const config = loadConfig(process.env, flags);
  if (!config.databaseUrl.startsWith("file:")) {
    throw new HookrelayError(
      "ERR_CONFIG",
      `invalid configuration:\n  --database-url: backup copies an embedded file; back up a ` +
        `libSQL server with its own tools (${redactDatabaseUrl(config.databaseUrl)})`,
    );
  }
  const source = databaseFilePath(config.databaseUrl);
  if (!existsSync(source)) {
    throw new HookrelayError("ERR_DATABASE", `no database at ${source}`);
  }
  const target = resolve(file);
  if (existsSync(target)) {
    throw invalidArgument(`<file>: ${target} already exists; a backup never overwrites`);
  }
  const folder = dirname(target);
  const stat = statSync(folder, { throwIfNoEntry: false });
  if (!stat?.isDirectory()) {
    const problem = stat ? "is not a directory" : "does not exist";
    throw invalidArgument(`<file>: ${folder} ${problem}; a backup does not create directories`);
  }
  const startedAt = Date.now();
  const database = createClient({ url: `file:${source}`, concurrency: 1 });
  try {
    await database.execute({ sql: "VACUUM INTO ?", args: [target] });
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message.replace(/^[A-Z_]+: /, "") : cause;
    throw new HookrelayError("ERR_DATABASE", `backup into ${target} failed: ${reason}`, {
      cause,
    });
  } finally {
    database.close();
  }
  const report = { file: target, ...(await checkCopy(target)), durationMs: Date.now() - startedAt };
  print(report, flags.json, () => printRecord(report));
}

async function checkCopy(path: string) {
  const copy = createClient({ url: `file:${path}`, concurrency: 1 });
  try {
    const check = await copy.execute("PRAGMA integrity_check");
    const verdict = String(check.rows[0]?.[0] ?? "");
    if (verdict !== "ok") {
      throw new HookrelayError("ERR_DATABASE", `the copy failed integrity_check: ${verdict}`);
    }
    const events = await copy.execute("SELECT COUNT(*) FROM events");
    const deliveries = await copy.execute("SELECT COUNT(*) FROM deliveries");
    return {
      integrity: verdict,
      events: Number(events.rows[0]?.[0] ?? 0),
      deliveries: Number(deliveries.rows[0]?.[0] ?? 0),
    };
  } finally {
    copy.close();
  }
}
