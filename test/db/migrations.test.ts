import { describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { renderEmbeddedMigrations } from "../../scripts/embed-migrations.ts";
import { openDatabase } from "../../src/db/client.ts";
import { applyMigrations, isFullyMigrated } from "../../src/db/migrate.ts";
import { embeddedMigrations } from "../../src/db/migrations.generated.ts";
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

  test("cancels the pending deliveries a retry left on a deleted endpoint", async () => {
    const dir = mkdtempSync(join(tmpdir(), "hookrelay-migrate-"));
    const database = await openDatabase(`file:${join(dir, "test.db")}`);
    const fix = embeddedMigrations.findIndex(
      (m) => m.tag === "0006_cancel_deleted_endpoint_deliveries",
    );
    try {
      await applyMigrations(database.client, embeddedMigrations.slice(0, fix));
      await database.client.executeMultiple(`
        INSERT INTO endpoints (id, url, event_types, headers, secret, enabled, created_at,
          updated_at, deleted_at) VALUES
          ('ep_gone', 'http://127.0.0.1:9/', '[]', '{}', 's', 0, 1, 1, 5),
          ('ep_live', 'http://127.0.0.1:9/', '[]', '{}', 's', 1, 1, 1, NULL);
        INSERT INTO events (id, type, content_type, body, request_hash, created_at)
          VALUES ('evt_1', 'a', 'application/json', x'7b7d', 'h', 1);
        INSERT INTO deliveries (id, event_id, endpoint_id, status, next_attempt_at,
          created_at, updated_at) VALUES
          ('dlv_stuck', 'evt_1', 'ep_gone', 'pending', 7, 1, 7),
          ('dlv_live', 'evt_1', 'ep_live', 'pending', 7, 1, 7);`);
      expect(await applyMigrations(database.client)).toContain(
        "0006_cancel_deleted_endpoint_deliveries",
      );
      const rows = await database.client.execute(
        "SELECT id, status, next_attempt_at, finished_at FROM deliveries ORDER BY id",
      );
      expect(rows.rows.map((row): Record<string, unknown> => ({ ...row }))).toEqual([
        { id: "dlv_live", status: "pending", next_attempt_at: 7, finished_at: null },
        { id: "dlv_stuck", status: "cancelled", next_attempt_at: null, finished_at: 7 },
      ]);
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
