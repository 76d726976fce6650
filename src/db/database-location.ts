/**
 * Checks that the data directory and the database URL can be used before anything opens
 * them, so a typo or a path the relay cannot write (a regular file, /proc) is one line
 * naming the path and the reason, and a configuration problem (exit status 2), not a stack
 * trace from deep inside mkdir or libSQL.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { createClient } from "@libsql/client";
import { redactDatabaseUrl } from "../config/redact.ts";
import { HookrelayError } from "../errors/hookrelay-error.ts";
import { databaseFilePath } from "./client.ts";

/** Makes `path` (and its parents) a directory if it is not one yet. */
export function ensureDirectory(path: string, what: string): void {
  try {
    mkdirSync(path, { recursive: true });
  } catch (cause) {
    throw locationError(`${what} ${path}: ${describeDirectoryError(cause)}`, cause);
  }
}

/**
 * The URL is one libSQL takes and, for an embedded file, the file opens (it is created if
 * missing, as the relay would). A remote URL is only parsed: libSQL connects on first use.
 */
export async function checkDatabaseUrl(url: string): Promise<void> {
  const shown = redactDatabaseUrl(url);
  if (url.startsWith("file:")) {
    ensureDirectory(dirname(databaseFilePath(url)), "database directory");
  }
  let client: ReturnType<typeof createClient>;
  try {
    client = createClient({ url, concurrency: 1 });
  } catch (cause) {
    throw locationError(`database URL ${shown}: ${describeOpenError(cause)}`, cause);
  }
  try {
    // Reads the header, which is where a file that is not SQLite's shows it.
    if (url.startsWith("file:")) await client.execute("PRAGMA schema_version");
  } catch (cause) {
    throw locationError(`database URL ${shown}: ${describeOpenError(cause)}`, cause);
  } finally {
    client.close();
  }
}

function locationError(problem: string, cause: unknown): HookrelayError {
  return new HookrelayError("ERR_CONFIG", `invalid configuration: ${problem}`, { cause });
}

function describeDirectoryError(cause: unknown): string {
  const code = (cause as NodeJS.ErrnoException).code;
  // mkdir -p fails with EEXIST only when the path exists and is not a directory.
  if (code === "EEXIST") return "it is a file, not a directory";
  if (code === "ENOTDIR") return "a part of the path is a file, not a directory";
  // Bun's message is "<reason>, mkdir '<path>'": the path is already named.
  const reason = cause instanceof Error ? cause.message.split(", mkdir")[0] : String(cause);
  return `cannot be created (${code && !reason?.startsWith(code) ? `${code}: ` : ""}${reason})`;
}

/** SQLite's result codes for a file that does not open (sqlite.org/rescode.html). */
const sqliteOpenCodes: Record<string, string> = {
  "8": "the file is read-only",
  "14": "the file cannot be opened or created there",
  "23": "permission denied",
  "26": "the file is not a SQLite database",
};

function describeOpenError(cause: unknown): string {
  const message = cause instanceof Error ? cause.message : String(cause);
  const code = (cause as { code?: unknown }).code;
  if (code === "URL_INVALID") {
    return "not a URL libSQL takes (file:<path>, libsql://…, https://…, ws://…)";
  }
  if (code === "SQLITE_NOTADB") return sqliteOpenCodes["26"] as string;
  // libSQL: ConnectionFailed("Unable to open connection to local database <path>: 14")
  const sqliteCode = /: (\d+)"\)$/.exec(message)?.[1];
  const known = sqliteCode ? sqliteOpenCodes[sqliteCode] : undefined;
  if (known) return `${known} (SQLite error ${sqliteCode})`;
  return message.replace(/^[A-Z_]+: /, "").replace(/ For more information.*$/, "");
}
