/**
 * Writes rows straight into a migrated relay database before the relay starts, far faster
 * than publishing them through the API:
 *
 * - `history`: old events, each with one finished delivery (90 % succeeded, 10 % dead) and
 *   one attempt, from an endpoint deleted long ago: the table size the history scenario
 *   measures against;
 * - `backlog`: events with one pending delivery each, due now, to an enabled endpoint at
 *   `endpointUrl`: the drain scenario's backlog.
 *
 * Rows follow src/db/schema.ts (drizzle/0000_outbox.sql); ids are prefixed ULIDs of their
 * creation time, as the relay makes them. Run as a script with a JSON config; prints
 * `{"rows","seconds"}`.
 */
import { createClient, type InStatement, type InValue } from "@libsql/client";
import { monotonicFactory } from "ulid";
import { benchSecret, buildDeliveredBody } from "../payload.ts";

export interface SeedConfig {
  databaseFile: string;
  kind: "history" | "backlog";
  events: number;
  endpointUrl: string;
}

const rowsPerStatement = 200;
const eventsPerTransaction = 10_000;
const dayMs = 86_400_000;

const eventColumns = `id type content_type body idempotency_key request_hash
  created_at`.split(/\s+/);
const deliveryColumns = `id event_id endpoint_id status attempt_count schedule_step
  next_attempt_at lease_until last_status_code last_error created_at updated_at finished_at`.split(
  /\s+/,
);
const attemptColumns = `id delivery_id attempt started_at duration_ms status_code error
  retry_after_ms response_body response_body_truncated`.split(/\s+/);

const config = JSON.parse(process.argv[2] ?? "{}") as SeedConfig;
const client = createClient({ url: `file:${config.databaseFile}`, intMode: "number" });
const nextUlid = monotonicFactory();
const body = buildDeliveredBody();
const startedAt = performance.now();
const now = Date.now();
// History spans the last three weeks (inside the default retention of 30 days, so the
// relay's retention job has nothing to delete); the backlog was written just now.
const firstCreatedAt = config.kind === "history" ? now - 21 * dayMs : now - 60_000;
const spacingMs = config.kind === "history" ? (20 * dayMs) / config.events : 0;
const endpointId = `ep_${nextUlid(firstCreatedAt - 1)}`;

function insertRows(table: string, columns: string[], rows: unknown[][]): InStatement[] {
  const statements: InStatement[] = [];
  const placeholders = `(${columns.map(() => "?").join(", ")})`;
  for (let start = 0; start < rows.length; start += rowsPerStatement) {
    const chunk = rows.slice(start, start + rowsPerStatement);
    statements.push({
      sql: `INSERT INTO ${table} (${columns.join(", ")})
        VALUES ${chunk.map(() => placeholders).join(", ")}`,
      args: chunk.flat() as InValue[],
    });
  }
  return statements;
}

async function insertEndpoint(): Promise<void> {
  const deleted = config.kind === "history";
  await client.execute({
    sql: `INSERT INTO endpoints (id, url, description, event_types, headers, secret, enabled,
      disabled_reason, created_at, updated_at, deleted_at)
      VALUES (?, ?, '', '[]', '{}', ?, ?, ?, ?, ?, ?)`,
    args: [
      endpointId,
      config.endpointUrl,
      benchSecret,
      deleted ? 0 : 1,
      deleted ? "api" : null,
      firstCreatedAt - 1,
      firstCreatedAt - 1,
      deleted ? now - dayMs : null,
    ],
  });
}

/** One row's values in the order of `columns`; a column not in `values` is NULL. */
function rowOf(columns: string[], values: Record<string, unknown>): unknown[] {
  return columns.map((column) => values[column] ?? null);
}

function buildChunk(first: number, count: number): InStatement[] {
  const events: unknown[][] = [];
  const deliveries: unknown[][] = [];
  const attempts: unknown[][] = [];
  for (let i = first; i < first + count; i++) {
    const created_at = Math.round(firstCreatedAt + i * spacingMs);
    const event_id = `evt_${nextUlid(created_at)}`;
    const delivery_id = `dlv_${nextUlid(created_at)}`;
    events.push(
      rowOf(eventColumns, {
        id: event_id,
        type: "invoice.paid",
        content_type: "application/json",
        body,
        request_hash: `seed-${i}`,
        created_at,
      }),
    );
    const delivery = { id: delivery_id, event_id, endpoint_id: endpointId, created_at };
    if (config.kind === "backlog") {
      const pending = { status: "pending", attempt_count: 0, schedule_step: 0 };
      const due = { next_attempt_at: created_at, updated_at: created_at };
      deliveries.push(rowOf(deliveryColumns, { ...delivery, ...pending, ...due }));
      continue;
    }
    const dead = i % 10 === 9;
    const attempt = dead ? 8 : 1;
    const finished_at = created_at + 50;
    const status_code = dead ? 503 : 200;
    const outcome = {
      status: dead ? "dead" : "succeeded",
      attempt_count: attempt,
      schedule_step: dead ? 8 : 0,
      last_status_code: status_code,
      updated_at: finished_at,
      finished_at,
    };
    deliveries.push(rowOf(deliveryColumns, { ...delivery, ...outcome }));
    attempts.push(
      rowOf(attemptColumns, {
        id: `att_${nextUlid(created_at)}`,
        delivery_id,
        attempt,
        started_at: created_at,
        duration_ms: 12,
        status_code,
        response_body: "",
        response_body_truncated: 0,
      }),
    );
  }
  return [
    ...insertRows("events", eventColumns, events),
    ...insertRows("deliveries", deliveryColumns, deliveries),
    ...insertRows("attempts", attemptColumns, attempts),
  ];
}

await client.execute("PRAGMA journal_mode = WAL");
await insertEndpoint();
let rows = 1;
for (let first = 0; first < config.events; first += eventsPerTransaction) {
  const count = Math.min(eventsPerTransaction, config.events - first);
  await client.batch(buildChunk(first, count), "write");
  rows += count * (config.kind === "history" ? 3 : 2);
}
await client.execute("PRAGMA wal_checkpoint(TRUNCATE)");
client.close();
console.log(JSON.stringify({ rows, seconds: (performance.now() - startedAt) / 1000 }));
