/**
 * The durability limit: the most events the libSQL file itself can commit. A fresh file
 * with the relay's own schema (drizzle/*.sql), WAL journaling and synchronous=FULL (the
 * relay's settings), and batched write transactions of `batch` events, each event being what
 * a publish to one endpoint writes: one events row with the 1 KiB body and one deliveries
 * row, every index included. Runs as its own process, through @libsql/client as the relay
 * does; prints `{"events","rows","seconds","eventsPerSecond","rowsPerSecond"}`.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { createClient, type InValue } from "@libsql/client";
import { buildDeliveredBody } from "../payload.ts";
import { ownCpuSeconds, relayRoot } from "../processes.ts";

export interface DurabilityLimitConfig {
  databaseFile: string;
  events: number;
  batch: number;
  durationMs: number;
}

export interface DurabilityLimitResult {
  events: number;
  rows: number;
  seconds: number;
  eventsPerSecond: number;
  rowsPerSecond: number;
  cpuSeconds: number;
}

const config = JSON.parse(process.argv[2] ?? "{}") as DurabilityLimitConfig;
const client = createClient({ url: `file:${config.databaseFile}`, intMode: "number" });
await client.execute("PRAGMA journal_mode = WAL");
await client.execute("PRAGMA synchronous = FULL");
const migrations = join(relayRoot, "drizzle");
for (const file of readdirSync(migrations)
  .filter((name) => name.endsWith(".sql"))
  .sort()) {
  const sql = readFileSync(join(migrations, file), "utf8");
  for (const statement of sql.split("--> statement-breakpoint")) {
    if (statement.trim() !== "") await client.execute(statement);
  }
}
await client.execute(`INSERT INTO endpoints (id, url, event_types, headers, secret, enabled,
  created_at, updated_at)
  VALUES ('ep_limit', 'http://127.0.0.1:9/', '[]', '{}', 'whsec_x', 1, 0, 0)`);

const body = buildDeliveredBody();
const values = (columns: number, rows: number) =>
  Array.from({ length: rows }, () => `(${Array(columns).fill("?").join(", ")})`).join(", ");

function buildBatch(first: number, count: number) {
  const now = Date.now();
  const events: InValue[] = [];
  const deliveries: InValue[] = [];
  for (let i = first; i < first + count; i++) {
    const id = String(i).padStart(12, "0");
    events.push(`evt_${id}`, "invoice.paid", "application/json", body, null, `hash-${i}`, now);
    deliveries.push(`dlv_${id}`, `evt_${id}`, "ep_limit", "pending", 0, 0, now);
    deliveries.push(null, null, null, now, now, null);
  }
  return [
    {
      sql: `INSERT INTO events (id, type, content_type, body, idempotency_key, request_hash,
        created_at) VALUES ${values(7, count)}`,
      args: events,
    },
    {
      sql: `INSERT INTO deliveries (id, event_id, endpoint_id, status, attempt_count,
        schedule_step, next_attempt_at, lease_until, last_status_code, last_error, created_at,
        updated_at, finished_at) VALUES ${values(13, count)}`,
      args: deliveries,
    },
  ];
}

const startedAt = performance.now();
const deadline = startedAt + config.durationMs;
let events = 0;
while (events < config.events && performance.now() < deadline) {
  const count = Math.min(config.batch, config.events - events);
  await client.batch(buildBatch(events, count), "write");
  events += count;
}
const seconds = (performance.now() - startedAt) / 1000;
client.close();
const result: DurabilityLimitResult = {
  events,
  rows: events * 2,
  seconds,
  eventsPerSecond: events / seconds,
  rowsPerSecond: (events * 2) / seconds,
  cpuSeconds: ownCpuSeconds(),
};
console.log(JSON.stringify(result));
