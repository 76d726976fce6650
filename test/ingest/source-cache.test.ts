/** The ingest route's source cache, on a real libSQL file. */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { type Database, openDatabase } from "../../src/db/client.ts";
import { applyMigrations } from "../../src/db/migrate.ts";
import { sources } from "../../src/db/schema.ts";
import { insertSource } from "../../src/db/source-store.ts";
import { SourceCache } from "../../src/ingest/source-cache.ts";

let dir: string;
let database: Database;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "hookrelay-sources-"));
  database = await openDatabase(`file:${join(dir, "test.db")}`);
  await applyMigrations(database.client);
  await insertSource(database.orm, {
    id: "src_1",
    name: "github",
    verifier: { plugin: "github", options: {} },
    secrets: [{ value: "first-secret" }],
    destinations: [],
    forwardHeaders: [],
    response: null,
    maxBodyBytes: 1024,
    dedupeWindowMs: 1000,
    createdAt: 1,
    updatedAt: 1,
  });
});

afterEach(() => {
  database.close();
  rmSync(dir, { recursive: true, force: true });
});

const rotate = (value: string) =>
  database.orm
    .update(sources)
    .set({ secrets: [{ value }] })
    .where(eq(sources.id, "src_1"));

describe("source cache", () => {
  test("serves a source from memory within the TTL, then reads it again", async () => {
    const cache = new SourceCache(database.orm, 1_000);
    expect((await cache.find("github", 10_000))?.secrets).toEqual([{ value: "first-secret" }]);
    await rotate("second-secret");
    expect((await cache.find("github", 10_999))?.secrets).toEqual([{ value: "first-secret" }]);
    expect((await cache.find("github", 11_000))?.secrets).toEqual([{ value: "second-secret" }]);
  });

  test("reads again at once after forget()", async () => {
    const cache = new SourceCache(database.orm, 60_000);
    await cache.find("github");
    await rotate("third-secret");
    cache.forget();
    expect((await cache.find("github"))?.secrets).toEqual([{ value: "third-secret" }]);
  });

  test("remembers that a name is unknown, and forgets that too", async () => {
    const cache = new SourceCache(database.orm, 60_000);
    expect(await cache.find("stripe")).toBeUndefined();
    await database.orm.update(sources).set({ name: "stripe" }).where(eq(sources.id, "src_1"));
    expect(await cache.find("stripe")).toBeUndefined();
    cache.forget();
    expect((await cache.find("stripe"))?.id).toBe("src_1");
  });
});
