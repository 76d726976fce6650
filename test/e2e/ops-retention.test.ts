/**
 * Retention: finished events go after their age in small batches, dead letters are kept
 * longer, pending work is never touched, and /metrics and a log line say what was pruned.
 * The store-level walk is tested against a real libSQL file with an injected clock.
 */
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { type Database, openDatabase } from "../../src/db/client.ts";
import { applyMigrations } from "../../src/db/migrate.ts";
import { pruneBatch } from "../../src/db/retention-store.ts";
import { startReceiver } from "../support/receiver.ts";
import { startRelay } from "../support/relay.ts";
import { waitFor } from "../support/wait.ts";
import { createEndpoint, publish, waitForStatus } from "./api-fixtures.ts";
import { parseMetrics, slow, useTempDir } from "./ops-support.ts";

const day = 86_400_000;

async function withDatabase(run: (db: Database) => Promise<void>) {
  using dir = useTempDir();
  const db = await openDatabase(`file:${join(dir.path, "hookrelay.db")}`);
  try {
    await applyMigrations(db.client);
    await db.client.execute(
      `INSERT INTO endpoints (id, url, event_types, headers, secret, enabled, created_at,
        updated_at) VALUES ('ep_1', 'https://example.test', '[]', '{}', 'whsec_x', 1, 0, 0)`,
    );
    await run(db);
  } finally {
    db.close();
  }
}

/** One event created at `createdAt` with one delivery per `[status, finishedAt]`. */
async function seed(db: Database, id: string, createdAt: number, deliveries: [string, number?][]) {
  await db.client.execute({
    sql: `INSERT INTO events (id, type, content_type, body, request_hash, created_at)
      VALUES (?, 't', 'application/json', x'7b7d', '', ?)`,
    args: [id, createdAt],
  });
  for (const [i, [status, finishedAt]] of deliveries.entries()) {
    const deliveryId = `dlv_${id}_${i}`;
    await db.client.execute({
      sql: `INSERT INTO deliveries (id, event_id, endpoint_id, status, created_at, updated_at,
        finished_at, next_attempt_at) VALUES (?, ?, 'ep_1', ?, ?, ?, ?, ?)`,
      args: [deliveryId, id, status, createdAt, createdAt, finishedAt ?? null, createdAt],
    });
    await db.client.execute({
      sql: `INSERT INTO attempts (id, delivery_id, attempt, started_at, duration_ms,
        response_body_truncated) VALUES (?, ?, 1, ?, 5, 0)`,
      args: [`att_${deliveryId}`, deliveryId, createdAt],
    });
  }
}

async function eventIds(db: Database): Promise<string[]> {
  const rows = await db.client.execute("SELECT id FROM events ORDER BY id");
  return rows.rows.map((row) => String(row.id));
}

describe("pruneBatch", () => {
  test("deletes only events whose every delivery is finished and past its age", async () => {
    await withDatabase(async (db) => {
      const now = 200 * day;
      await seed(db, "evt_a_old_succeeded", now - 40 * day, [["succeeded", now - 40 * day]]);
      await seed(db, "evt_b_new_succeeded", now - 10 * day, [["succeeded", now - 10 * day]]);
      await seed(db, "evt_c_old_dead", now - 40 * day, [["dead", now - 40 * day]]);
      await seed(db, "evt_d_older_dead", now - 100 * day, [["dead", now - 95 * day]]);
      await seed(db, "evt_e_mixed", now - 40 * day, [["succeeded", now - 40 * day], ["pending"]]);
      await seed(db, "evt_f_no_deliveries", now - 40 * day, []);
      const cutoffs = { finishedBefore: now - 30 * day, deadBefore: now - 90 * day };
      const result = await db.orm.transaction((tx) => pruneBatch(tx, cutoffs, undefined, 100));
      expect(result).toEqual({ cursor: undefined, events: 3, deliveries: 2, attempts: 2 });
      expect(await eventIds(db)).toEqual(["evt_b_new_succeeded", "evt_c_old_dead", "evt_e_mixed"]);
      const attempts = await db.client.execute("SELECT COUNT(*) AS n FROM attempts");
      expect(attempts.rows[0]?.n).toBe(4);
    });
  });

  test("walks past rows it must keep with a cursor, one small batch at a time", async () => {
    await withDatabase(async (db) => {
      const now = 200 * day;
      for (let i = 0; i < 5; i++) {
        await seed(db, `evt_keep_${i}`, now - 60 * day + i, [["dead", now - 60 * day + i]]);
      }
      await seed(db, "evt_z_prunable", now - 50 * day, [["succeeded", now - 50 * day]]);
      const cutoffs = { finishedBefore: now - 30 * day, deadBefore: now - 90 * day };
      const first = await db.orm.transaction((tx) => pruneBatch(tx, cutoffs, undefined, 3));
      expect(first).toMatchObject({ events: 0, cursor: { id: "evt_keep_2" } });
      const second = await db.orm.transaction((tx) => pruneBatch(tx, cutoffs, first.cursor, 3));
      expect(second).toMatchObject({ events: 1, cursor: { id: "evt_z_prunable" } });
      const third = await db.orm.transaction((tx) => pruneBatch(tx, cutoffs, second.cursor, 3));
      expect(third).toEqual({ cursor: undefined, events: 0, deliveries: 0, attempts: 0 });
    });
  });
});

describe("a relay with retention", () => {
  test(
    "prunes a succeeded event, keeps a dead letter, and reports both ways",
    async () => {
      using healthy = startReceiver();
      using gone = startReceiver(() => new Response("gone", { status: 410 }));
      await using relay = await startRelay({
        env: {
          HOOKRELAY_RETENTION_SUCCEEDED: "300ms",
          HOOKRELAY_RETENTION_DEAD: "1h",
          HOOKRELAY_RETENTION_INTERVAL: "100ms",
          HOOKRELAY_RETENTION_BATCH_SIZE: "2",
        },
      });
      await createEndpoint(relay, { url: healthy.url, eventTypes: ["ok.*"] });
      await createEndpoint(relay, { url: gone.url, eventTypes: ["dead.*"] });
      const succeeded = await publish(relay, { type: "ok.event", payload: {} });
      const dead = await publish(relay, { type: "dead.event", payload: {} });
      await waitForStatus(relay, dead.body.deliveries[0]!.id, "dead");
      await waitFor(
        "the succeeded event to be pruned",
        async () => (await relay.api(`/v1/events/${succeeded.body.id}`)).status === 404,
        20_000,
      );
      expect((await relay.api(`/v1/events/${dead.body.id}`)).status).toBe(200);
      // The pass logs once it has walked every batch, a moment after the rows are gone.
      const line = await waitFor("the retention log line", () =>
        relay.logs.find((l) => l.msg === "retention pruned old events"),
      );
      expect(line).toMatchObject({ events: 1, deliveries: 1, attempts: 1 });
      const metrics = parseMetrics(await (await relay.api("/metrics")).text());
      expect(metrics.get('hookrelay_retention_pruned_total{table="events"}')).toBe(1);
      expect(metrics.get("hookrelay_retention_last_run_timestamp_seconds")).toBeGreaterThan(0);
    },
    slow,
  );
});
