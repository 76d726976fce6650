/**
 * Opens the libSQL database behind Drizzle. An embedded file gets WAL journaling (readers
 * never wait for the writer) and synchronous=FULL, so a committed transaction survives a
 * power cut, not only a process crash: every 2xx the relay sends rests on that.
 */
import { mkdirSync } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";
import { dirname } from "node:path";
import { type Client, createClient } from "@libsql/client";
import { drizzle, type LibSQLDatabase } from "drizzle-orm/libsql";
import * as schema from "./schema.ts";
import { cacheStatements } from "./statement-cache.ts";

export type Orm = LibSQLDatabase<typeof schema>;
export type Tx = Parameters<Parameters<Orm["transaction"]>[0]>[0];
/** Anything that can run queries: the database or an open transaction. */
export type Queryable = Orm | Tx;

export interface Database {
  client: Client;
  orm: Orm;
  url: string;
  close(): void;
}

export interface OpenDatabaseOptions {
  /** How long a write waits for another process's lock before failing as busy. */
  busyTimeoutMs?: number;
}

/** The file a `file:` URL names, without its query (`?tls=0` and the like). */
export function databaseFilePath(url: string): string {
  return url.slice("file:".length).replace(/\?.*$/, "");
}

export async function openDatabase(
  url: string,
  options: OpenDatabaseOptions = {},
): Promise<Database> {
  cacheStatements();
  const isFile = url.startsWith("file:");
  if (isFile) mkdirSync(dirname(databaseFilePath(url)), { recursive: true });
  const client = createClient({
    url,
    intMode: "number",
    // Readers and the one writer each take a connection; more would only add open files.
    concurrency: 4,
    // `timeout` is libSQL's busy timeout for embedded files, in milliseconds.
    ...({ timeout: options.busyTimeoutMs ?? 5_000 } as object),
  });
  if (isFile) {
    // journal_mode is stored in the file, so setting it once reaches every connection;
    // synchronous is per connection and FULL is libSQL's default, checked by a test.
    await client.execute("PRAGMA journal_mode = WAL");
  }
  const orm = drizzle(client, { schema });
  return { client, orm, url, close: () => client.close() };
}

/** The single writer's own connection, and how to make what it committed durable. */
export interface WriteConnection {
  orm: Orm;
  /** Resolves once every transaction committed so far is on stable storage. */
  flush: (() => Promise<void>) | undefined;
  close(): void;
}

/**
 * For an embedded file, a connection of its own with synchronous=NORMAL: a commit then only
 * writes the WAL (which already survives the process being killed), and `flush` makes it
 * survive a power cut as well by an fdatasync of the WAL file on Bun's I/O threads. With FULL,
 * the same fsync ran inside COMMIT and stopped the relay's one thread for a sixth of its time
 * at saturation; now the thread reads and sends while the disk syncs, and nobody hears back
 * about a write before its flush. Syncing the WAL is enough: SQLite itself syncs the WAL
 * before each checkpoint and the database file after it, in NORMAL as in FULL.
 */
export async function openWriteConnection(
  database: Database,
  options: OpenDatabaseOptions = {},
): Promise<WriteConnection> {
  if (!database.url.startsWith("file:")) {
    return { orm: database.orm, flush: undefined, close: () => {} };
  }
  const client = createClient({
    url: database.url,
    intMode: "number",
    // One connection, so the pragma below holds for every write transaction. Should the
    // pool ever open another, it starts at libSQL's default FULL: slower, not less durable.
    concurrency: 1,
    ...({ timeout: options.busyTimeoutMs ?? 5_000 } as object),
  });
  await client.execute("PRAGMA synchronous = NORMAL");
  const wal = new WalSync(databaseFilePath(database.url));
  return {
    orm: drizzle(client, { schema }),
    flush: () => wal.sync(),
    close: () => {
      client.close();
      void wal.close();
    },
  };
}

/**
 * Keeps the WAL open for the connection's lifetime, so a flush is one fdatasync and one trip
 * to Bun's I/O threads, not three (open, sync, close): under load every trip waits for the
 * busy event loop to pick up its answer. Keeping it is safe because SQLite removes or
 * replaces the WAL only when the last connection to the file closes, and this process holds
 * its connections until it stops. Before the first commit there may be no WAL yet; then the
 * database file itself is synced, which does no harm.
 */
class WalSync {
  readonly #databasePath: string;
  #wal: FileHandle | undefined;

  constructor(databasePath: string) {
    this.#databasePath = databasePath;
  }

  async sync(): Promise<void> {
    this.#wal ??= await openIfPresent(`${this.#databasePath}-wal`);
    if (this.#wal) return this.#wal.datasync();
    const file = await open(this.#databasePath, "r+");
    try {
      await file.datasync();
    } finally {
      await file.close();
    }
  }

  async close(): Promise<void> {
    const wal = this.#wal;
    this.#wal = undefined;
    await wal?.close();
  }
}

async function openIfPresent(path: string): Promise<FileHandle | undefined> {
  try {
    return await open(path, "r+");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}
