/** `hookrelay migrate`: apply the embedded migrations and exit, without serving. */
import { type ConfigFlags, loadConfig } from "../config/config.ts";
import { openDatabase } from "../db/client.ts";
import { checkDatabaseUrl } from "../db/database-location.ts";
import { applyMigrations } from "../db/migrate.ts";
import { createLogger } from "../observability/logger.ts";

export async function runMigrate(flags: ConfigFlags): Promise<void> {
  const config = loadConfig(process.env, flags);
  const log = createLogger(config.logLevel);
  await checkDatabaseUrl(config.databaseUrl);
  const database = await openDatabase(config.databaseUrl);
  try {
    const applied = await applyMigrations(database.client);
    log.info({ migrations: applied, databaseUrl: redactUrl(config.databaseUrl) }, "migrated");
  } finally {
    database.close();
  }
}

function redactUrl(url: string): string {
  return url.replace(/(authToken=)[^&]+/i, "$1[redacted]");
}
