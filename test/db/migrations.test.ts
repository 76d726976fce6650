import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { renderEmbeddedMigrations } from "../../scripts/embed-migrations.ts";
import { openDatabase } from "../../src/db/client.ts";
import { applyMigrations, isFullyMigrated } from "../../src/db/migrate.ts";
import { projectRoot } from "../support/relay.ts";

describe("migrations", () => {
  test("the embedded copy matches drizzle/", async () => {
    const embedded = await Bun.file(join(projectRoot, "src/db/migrations.generated.ts")).text();
    expect(embedded).toBe(await renderEmbeddedMigrations(projectRoot));
  });

  test("apply once, then report nothing left to apply", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hookrelay-migrate-"));
    const database = await openDatabase(`file:${join(dir, "test.db")}`);
    try {
      expect(await isFullyMigrated(database.client)).toBe(false);
      expect((await applyMigrations(database.client)).length).toBeGreaterThan(0);
      expect(await applyMigrations(database.client)).toEqual([]);
      expect(await isFullyMigrated(database.client)).toBe(true);
    } finally {
      database.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("opens embedded files in WAL mode with synchronous FULL", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hookrelay-pragma-"));
    const database = await openDatabase(`file:${join(dir, "test.db")}`);
    try {
      const mode = await database.client.execute("PRAGMA journal_mode");
      const sync = await database.client.execute("PRAGMA synchronous");
      expect([mode.rows[0]?.[0], sync.rows[0]?.[0]]).toEqual(["wal", 2]);
    } finally {
      database.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
