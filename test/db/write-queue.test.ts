/** The single writer's batches, on a real libSQL file. */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import {
  type Database,
  databaseFilePath,
  openDatabase,
  openWriteConnection,
} from "../../src/db/client.ts";
import { type BatchKind, WriteQueue } from "../../src/db/write-queue.ts";
import { waitFor } from "../support/wait.ts";

let dir: string;
let database: Database;
let writer: WriteQueue;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "hookrelay-writer-"));
  database = await openDatabase(`file:${join(dir, "test.db")}`);
  await database.client.execute("CREATE TABLE notes (id TEXT PRIMARY KEY, text TEXT NOT NULL)");
  writer = new WriteQueue(database.orm);
});

afterEach(() => {
  database.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Note {
  id: string;
  text: string;
}

/** Inserts all notes in one statement; notes whose text is "refuse" fail alone. */
function noteBatch(calls: number[]): BatchKind<Note, string> {
  return {
    name: "notes",
    async run(tx, items) {
      calls.push(items.length);
      const kept = items.filter((note) => note.text !== "refuse");
      if (kept.length > 0) {
        const rows = kept.map((note) => sql`(${note.id}, ${note.text})`);
        await tx.run(sql`INSERT INTO notes (id, text) VALUES ${sql.join(rows, sql`, `)}`);
      }
      return items.map((note) =>
        note.text === "refuse"
          ? { ok: false as const, error: new Error(`refused ${note.id}`) }
          : { ok: true as const, value: note.id },
      );
    },
  };
}

async function storedIds(): Promise<string[]> {
  const result = await database.client.execute("SELECT id FROM notes ORDER BY id");
  return result.rows.map((row) => String(row.id));
}

describe("batched writes", () => {
  test("items queued together share one call and one transaction", async () => {
    const calls: number[] = [];
    const batch = noteBatch(calls);
    const ids = ["a", "b", "c", "d", "e"];
    const written = await Promise.all(
      ids.map((id) => writer.runBatched(batch, { id, text: `note ${id}` })),
    );
    expect(written).toEqual(ids);
    expect(calls).toEqual([5]);
    expect(await storedIds()).toEqual(ids);
  });

  test("an item the batch fails is rejected alone and its neighbours are written", async () => {
    const calls: number[] = [];
    const batch = noteBatch(calls);
    const results = await Promise.allSettled([
      writer.runBatched(batch, { id: "a", text: "fine" }),
      writer.runBatched(batch, { id: "b", text: "refuse" }),
      writer.runBatched(batch, { id: "c", text: "fine" }),
    ]);
    expect(results.map((result) => result.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(calls).toEqual([3]);
    expect(await storedIds()).toEqual(["a", "c"]);
  });

  test("when the shared statement breaks, each item is tried alone", async () => {
    await database.client.execute("INSERT INTO notes (id, text) VALUES ('b', 'older')");
    const calls: number[] = [];
    const batch = noteBatch(calls);
    // "b" collides with a stored row, which fails the one INSERT for all three.
    const results = await Promise.allSettled(
      ["a", "b", "c"].map((id) => writer.runBatched(batch, { id, text: `note ${id}` })),
    );
    expect(results.map((result) => result.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(calls).toEqual([3, 1, 1, 1]);
    expect(await storedIds()).toEqual(["a", "b", "c"]);
    const kept = await database.client.execute("SELECT text FROM notes WHERE id = 'b'");
    expect(kept.rows[0]?.text).toBe("older");
  });

  test("plain jobs in the same turn commit beside a batch", async () => {
    const calls: number[] = [];
    const batch = noteBatch(calls);
    await Promise.all([
      writer.runBatched(batch, { id: "a", text: "batched" }),
      writer.run((tx) => tx.run(sql`INSERT INTO notes (id, text) VALUES ('p', 'plain')`)),
      writer.runBatched(batch, { id: "b", text: "batched" }),
    ]);
    expect(calls).toEqual([2]);
    expect(await storedIds()).toEqual(["a", "b", "p"]);
  });

  test("a transaction stops taking items once their sizes reach the byte bound", async () => {
    const bounded = new WriteQueue(database.orm, { maxBatchBytes: 100 });
    const calls: number[] = [];
    // Each note claims its text's length; 40 + 40 stays under 100, a third reaches it.
    const batch = { ...noteBatch(calls), sizeOf: (note: Note) => note.text.length };
    const ids = ["a", "b", "c", "d", "e", "f", "g"];
    const written = await Promise.all(
      ids.map((id) => bounded.runBatched(batch, { id, text: id.repeat(40) })),
    );
    expect(written).toEqual(ids);
    expect(calls).toEqual([3, 3, 1]);
    // One item alone over the bound still gets a transaction.
    await bounded.runBatched(batch, { id: "h", text: "h".repeat(500) });
    expect(calls).toEqual([3, 3, 1, 1]);
    expect(await storedIds()).toEqual([...ids, "h"]);
  });
});

describe("flushing before answering", () => {
  test("a job resolves only after the flush that follows its commit", async () => {
    let release: () => void = () => {};
    const flushes: string[] = [];
    const flushing = new WriteQueue(database.orm, {
      flush: () => {
        flushes.push("started");
        return new Promise<void>((resolve) => {
          release = resolve;
        });
      },
    });
    let resolved = false;
    const job = flushing
      .run((tx) => tx.run(sql`INSERT INTO notes (id, text) VALUES ('f', 'flushed')`))
      .then(() => {
        resolved = true;
      });
    await waitFor("the flush to start", () => flushes.length > 0, 2_000);
    // Committed (another connection sees it) but not yet flushed: the caller still waits.
    expect(await storedIds()).toEqual(["f"]);
    // Deliberate: nothing marks "still waiting", so give the job 20 ms in which to wrongly resolve.
    await Bun.sleep(20);
    expect(resolved).toBe(false);
    release();
    await job;
    expect(resolved).toBe(true);
  });

  test("a kind that need not be durable hears back at commit, the rest after the flush", async () => {
    let release: () => void = () => {};
    let flushes = 0;
    const flushing = new WriteQueue(database.orm, {
      flush: () => {
        flushes++;
        return new Promise<void>((resolve) => {
          release = resolve;
        });
      },
    });
    const quick: BatchKind<Note, string> = { ...noteBatch([]), durable: false };
    const settled: string[] = [];
    const durableJob = flushing
      .runBatched(noteBatch([]), { id: "d", text: "durable" })
      .then(() => settled.push("durable"));
    const quickJob = flushing
      .runBatched(quick, { id: "q", text: "quick" })
      .then(() => settled.push("quick"));
    await quickJob;
    expect(settled).toEqual(["quick"]);
    expect(flushes).toBe(1);
    release();
    await durableJob;
    expect(settled).toEqual(["quick", "durable"]);
    // Alone, a kind that need not be durable starts no flush at all.
    await flushing.runBatched(quick, { id: "q2", text: "quick" });
    expect(flushes).toBe(1);
  });

  test("a failed flush fails the batch as unavailable", async () => {
    const failing = new WriteQueue(database.orm, {
      flush: () => Promise.reject(new Error("EIO: fdatasync failed")),
    });
    const job = failing.run((tx) => tx.run(sql`INSERT INTO notes (id, text) VALUES ('x', 'x')`));
    await expect(job).rejects.toMatchObject({ code: "ERR_UNAVAILABLE" });
  });

  test("the write connection commits with synchronous NORMAL and flushes its WAL", async () => {
    const connection = await openWriteConnection(database);
    try {
      const [row] = await connection.orm.all<{ synchronous: number }>(sql`PRAGMA synchronous`);
      expect(row?.synchronous).toBe(1);
      const durable = new WriteQueue(connection.orm, { flush: connection.flush });
      await durable.run((tx) => tx.run(sql`INSERT INTO notes (id, text) VALUES ('w', 'wal')`));
      expect(await storedIds()).toEqual(["w"]);
      expect(connection.flush).toBeDefined();
    } finally {
      connection.close();
    }
  });

  test("a file URL with a query flushes the file it names", async () => {
    const path = join(dir, "query.db");
    const withQuery = await openDatabase(`file:${path}?tls=0`);
    const connection = await openWriteConnection(withQuery);
    try {
      const durable = new WriteQueue(connection.orm, { flush: connection.flush });
      await durable.run((tx) => tx.run(sql`CREATE TABLE t (id INTEGER)`));
      await durable.run((tx) => tx.run(sql`INSERT INTO t VALUES (1)`));
      expect(existsSync(`${path}-wal`)).toBe(true);
      expect(databaseFilePath(`file:${path}?tls=0`)).toBe(path);
    } finally {
      connection.close();
      withQuery.close();
    }
  });
});
