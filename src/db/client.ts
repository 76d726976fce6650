/**
 * Opens the libSQL database behind Drizzle. An embedded file gets WAL journaling (readers
 * never wait for the writer) and synchronous=FULL, so a committed transaction survives a
 * power cut, not only a process crash: every 2xx the relay sends rests on that.
 */
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { type Client, createClient } from "@libsql/client";
import { drizzle, type LibSQLDatabase } from "drizzle-orm/libsql";
import * as schema from "./schema.ts";

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

export async function openDatabase(
  url: string,
  options: OpenDatabaseOptions = {},
): Promise<Database> {
  const isFile = url.startsWith("file:");
  if (isFile) mkdirSync(dirname(url.slice("file:".length)), { recursive: true });
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
