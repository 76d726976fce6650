/**
 * The prepared-statement cache under @libsql/client: the client's statements really reach
 * it (it wraps a driver method that is not the client's API), and a kept statement gives
 * the same answers as a fresh one, after errors, inside transactions and across connections.
 */
import { afterEach, beforeEach, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient } from "@libsql/client";
import Libsql from "libsql";
import { type Database, openDatabase } from "../../src/db/client.ts";
import { statementCacheStats } from "../../src/db/statement-cache.ts";

let dir: string;
let database: Database;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "hookrelay-statements-"));
  database = await openDatabase(`file:${join(dir, "test.db")}`);
  await database.client.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL)");
});

afterEach(() => {
  database.close();
  rmSync(dir, { recursive: true, force: true });
});

test("the client's statements are prepared once per connection and then reused", async () => {
  const insert = "INSERT INTO notes (id, text) VALUES (?, ?)";
  await database.client.execute({ sql: insert, args: [1, "first"] });
  const before = statementCacheStats();
  for (let id = 2; id <= 11; id++) {
    await database.client.execute({ sql: insert, args: [id, `note ${id}`] });
  }
  const after = statementCacheStats();
  expect(after.hits - before.hits).toBe(10);
  expect(after.misses - before.misses).toBe(0);
  const rows = await database.client.execute("SELECT count(*) AS n FROM notes");
  expect(rows.rows[0]?.n).toBe(11);
});

test("a kept statement binds new arguments each time", async () => {
  const select = "SELECT text FROM notes WHERE id = ?";
  await database.client.execute({ sql: "INSERT INTO notes VALUES (1, 'one'), (2, 'two')" });
  const one = await database.client.execute({ sql: select, args: [1] });
  const two = await database.client.execute({ sql: select, args: [2] });
  const none = await database.client.execute({ sql: select, args: [3] });
  expect([one.rows[0]?.text, two.rows[0]?.text, none.rows.length]).toEqual(["one", "two", 0]);
});

test("a statement that failed works again with good arguments", async () => {
  const insert = "INSERT INTO notes (id, text) VALUES (?, ?)";
  await database.client.execute({ sql: insert, args: [1, "one"] });
  await expect(database.client.execute({ sql: insert, args: [1, "again"] })).rejects.toThrow(
    /UNIQUE/,
  );
  await database.client.execute({ sql: insert, args: [2, "two"] });
  const rows = await database.client.execute("SELECT id, text FROM notes ORDER BY id");
  expect(rows.rows.map((row) => [row.id, row.text])).toEqual([
    [1, "one"],
    [2, "two"],
  ]);
});

test("kept statements run inside the transaction that uses them, and roll back with it", async () => {
  const insert = "INSERT INTO notes (id, text) VALUES (?, ?)";
  await database.client.execute({ sql: insert, args: [1, "kept"] });
  const tx = await database.client.transaction("write");
  await tx.execute({ sql: insert, args: [2, "rolled back"] });
  await tx.rollback();
  const committed = await database.client.transaction("write");
  await committed.execute({ sql: insert, args: [3, "committed"] });
  await committed.commit();
  const rows = await database.client.execute("SELECT id FROM notes ORDER BY id");
  expect(rows.rows.map((row) => row.id)).toEqual([1, 3]);
});

test("another connection gets its own statement, and sees what was committed", async () => {
  const url = `file:${join(dir, "test.db")}`;
  await database.client.execute({ sql: "INSERT INTO notes VALUES (1, 'shared')" });
  const other = createClient({ url, intMode: "number" });
  try {
    const rows = await other.execute({ sql: "SELECT text FROM notes WHERE id = ?", args: [1] });
    expect(rows.rows[0]?.text).toBe("shared");
  } finally {
    other.close();
  }
});

test("a closed connection refuses to prepare, as it would without the cache", () => {
  const raw = new Libsql(join(dir, "test.db"));
  const select = "SELECT 1";
  expect(raw.prepare(select)).toBe(raw.prepare(select));
  raw.close();
  expect(() => raw.prepare(select)).toThrow();
});

test("a schema change on the connection starts its cache over", async () => {
  const selectAll = "SELECT * FROM notes";
  await database.client.execute({ sql: "INSERT INTO notes VALUES (1, 'one')" });
  const before = await database.client.execute(selectAll);
  expect(before.columns).toEqual(["id", "text"]);
  await database.client.execute("ALTER TABLE notes ADD COLUMN extra TEXT");
  const after = await database.client.execute(selectAll);
  expect(after.columns).toEqual(["id", "text", "extra"]);
  expect(Object.keys(after.rows[0] ?? {})).toEqual(["id", "text", "extra"]);
});
