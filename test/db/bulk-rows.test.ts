/** Bulk statements of the hot path: on the right transaction, and the same rows as Drizzle. */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eq } from "drizzle-orm";
import { insertRows, libsqlTransactionOf, runStatement } from "../../src/db/bulk-rows.ts";
import { type Database, openDatabase } from "../../src/db/client.ts";
import { applyMigrations } from "../../src/db/migrate.ts";
import {
  type AttemptRow,
  attempts,
  deliveries,
  endpoints,
  type EventRow,
  events,
} from "../../src/db/schema.ts";
import { WriteQueue } from "../../src/db/write-queue.ts";

let dir: string;
let database: Database;
let writer: WriteQueue;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "hookrelay-bulk-"));
  database = await openDatabase(`file:${join(dir, "test.db")}`);
  await applyMigrations(database.client);
  writer = new WriteQueue(database.orm);
});

afterEach(() => {
  database.close();
  rmSync(dir, { recursive: true, force: true });
});

function event(id: string, overrides: Partial<EventRow> = {}): EventRow {
  return {
    id,
    type: "order.paid",
    contentType: "application/json",
    body: Buffer.from([0, 1, 2, 255, 0x7b]),
    idempotencyKey: null,
    sourceId: null,
    dedupeKey: null,
    headers: null,
    requestHash: "hash",
    createdAt: 1_700_000_000_123,
    ...overrides,
  };
}

const readEvents = () => database.orm.select().from(events).orderBy(events.id);

describe("bulk rows", () => {
  test("finds the libSQL transaction under every writer transaction and savepoint", async () => {
    const found = await writer.run(async (tx) => libsqlTransactionOf(tx) !== undefined);
    expect(found).toBe(true);
    expect(libsqlTransactionOf(database.orm)).toBeUndefined();
  });

  test("stores every column type exactly as Drizzle's own insert does", async () => {
    const variants: Partial<EventRow>[] = [
      {},
      { headers: { "x-github-event": "push", "content-type": "application/json" } },
      { body: Buffer.alloc(0), idempotencyKey: "key-1", sourceId: "src_1", dedupeKey: "d-1" },
    ];
    // Idempotency keys are unique: each copy gets its own, then they are compared without it.
    const copy = (prefix: string) =>
      variants.map((variant, index) =>
        event(`evt_${prefix}${index}`, {
          ...variant,
          ...(variant.idempotencyKey
            ? { idempotencyKey: `${prefix}-${variant.idempotencyKey}` }
            : {}),
        }),
      );
    const viaDrizzle = copy("a");
    const viaBulk = copy("b");
    await writer.run(async (tx) => {
      await tx.insert(events).values(viaDrizzle);
      await insertRows(tx, events, viaBulk);
    });
    const stored = await readEvents();
    const shape = (row: EventRow) => ({
      ...row,
      id: row.id.slice(5),
      idempotencyKey: row.idempotencyKey?.slice(2) ?? null,
      body: [...row.body],
    });
    expect(stored.slice(3).map(shape)).toEqual(stored.slice(0, 3).map(shape));
    expect(stored.slice(3).map((row) => [...row.body])).toEqual(
      viaBulk.map((row) => [...row.body]),
    );
  });

  test("keeps booleans and nulls of attempts", async () => {
    const attempt = (id: string, truncated: boolean): AttemptRow => ({
      id,
      deliveryId: "dlv_1",
      attempt: 1,
      startedAt: 1,
      durationMs: 2,
      statusCode: null,
      error: "timeout",
      retryAfterMs: null,
      responseBody: "line\n\u00e9\u{1f600}",
      responseBodyTruncated: truncated,
    });
    await writer.run(async (tx) => {
      await tx.insert(endpoints).values({
        id: "ep_1",
        url: "https://receiver.example/hook",
        eventTypes: [],
        headers: {},
        secret: "whsec_c2VjcmV0",
        enabled: true,
        createdAt: 1,
        updatedAt: 1,
      });
      await tx.insert(events).values(event("evt_1"));
      await tx.insert(deliveries).values({
        id: "dlv_1",
        eventId: "evt_1",
        endpointId: "ep_1",
        status: "pending",
        createdAt: 1,
        updatedAt: 1,
      });
      await insertRows(tx, attempts, [attempt("a1", true), attempt("a2", false)]);
    });
    const stored = await database.orm.select().from(attempts).orderBy(attempts.id);
    expect(stored).toEqual([attempt("a1", true), attempt("a2", false)]);
  });

  test("writes on the savepoint, so a failed job rolls its rows back", async () => {
    const failing = writer.run(async (tx) => {
      await insertRows(tx, events, [event("evt_gone")]);
      throw new Error("job fails after writing");
    });
    await expect(failing).rejects.toThrow("job fails after writing");
    await writer.run(async (tx) => {
      await insertRows(tx, events, [event("evt_kept")]);
      await runStatement(tx, "UPDATE events SET type = ? WHERE id = ?", ["order.kept", "evt_kept"]);
    });
    const stored = await readEvents();
    expect(stored.map((row) => [row.id, row.type])).toEqual([["evt_kept", "order.kept"]]);
  });

  test("runs outside a transaction through Drizzle", async () => {
    await insertRows(database.orm, events, [event("evt_plain")]);
    await runStatement(database.orm, "UPDATE events SET type = ? WHERE id = ?", [
      "x.y",
      "evt_plain",
    ]);
    const [row] = await database.orm.select().from(events).where(eq(events.id, "evt_plain"));
    expect(row?.type).toBe("x.y");
  });
});
