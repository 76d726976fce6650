/**
 * The lease reconcile after a failed claim, against a real database file with a second
 * connection holding the write lock. The reconcile frees every lease this process does not
 * hold; a publish written in the same transaction, just before it, has leased its deliveries
 * to this process and must keep them. Regression: the held leases were read when the job was
 * queued, so that publish's leases were freed while its deliveries were already on their way.
 *
 * The leases are what fails without the fix: each delivery is still sent once, because a
 * claim never starts a delivery already in flight, but a delivery in flight without its lease
 * breaks what the table promises (claim-store.ts) to anything else that reads it.
 *
 * Not an e2e test: the relay's busy timeout is fixed at 5 s, which libSQL spends waiting on
 * the relay's only thread, and from outside nothing can put a publish in the reconcile's batch.
 */
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import { type Client, createClient } from "@libsql/client";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Database, openDatabase, openWriteConnection } from "../../src/db/client.ts";
import { insertEndpoint } from "../../src/db/endpoint-store.ts";
import { newId } from "../../src/db/ids.ts";
import { applyMigrations } from "../../src/db/migrate.ts";
import { WriteQueue } from "../../src/db/write-queue.ts";
import { EventPublisher, type PublishResult } from "../../src/intake/publish-event.ts";
import { createLogger } from "../../src/observability/logger.ts";
import { builtinPlugins } from "../../src/plugins/builtin/index.ts";
import { PluginRegistry } from "../../src/plugins/plugin-registry.ts";
import type { SignerPlugin } from "../../src/plugins/sdk.ts";
import type { SchedulerOptions } from "../../src/scheduler/scheduler-options.ts";
import { Scheduler } from "../../src/scheduler/scheduler.ts";
import { gate, webhookIds } from "../e2e/api-fixtures.ts";
import { type Receiver, startReceiver } from "../support/receiver.ts";
import { waitFor } from "../support/wait.ts";

/** Two slots for the two publishes: with both in flight no claim follows the reconcile. */
const concurrency = 2;

const options: SchedulerOptions = {
  concurrency,
  endpointConcurrency: concurrency,
  attemptTimeoutMs: 10_000,
  responseBodyMaxBytes: 1024,
  retryPolicy: { scheduleMs: [100], jitter: 0, retryAfterMaxMs: 1_000 },
  retryClientErrors: false,
  userAgent: "hookrelay-test",
  destinationPolicy: { allowedNetworks: ["127.0.0.0/8"], httpsOnly: false },
  gate: { breakerFailures: 100, breakerCooldownMs: 1_000 },
  autoDisableAfterMs: 3_600_000,
  recoveryReportAfterMs: 3_600_000,
};

type LogLine = { msg?: string } & Record<string, unknown>;

let dir: string;
let database: Database;
let closeWriter: () => void;
let writer: WriteQueue;
let scheduler: Scheduler;
let publisher: EventPublisher;
let receiver: Receiver;
let released: ReturnType<typeof gate>;
/** Another connection to the file: to SQLite's locks, as good as another process. */
let lockHolder: Client | undefined;
const logs: LogLine[] = [];
/** Called with each log line as the scheduler writes it, before it goes on. */
let onLog: (line: LogLine) => void = () => {};

beforeEach(async () => {
  logs.length = 0;
  onLog = () => {};
  dir = mkdtempSync(join(tmpdir(), "hookrelay-reconcile-"));
  database = await openDatabase(`file:${join(dir, "hookrelay.db")}`);
  await applyMigrations(database.client);
  // Short, so a claim blocked by the other connection fails at once instead of in 5 s.
  const connection = await openWriteConnection(database, { busyTimeoutMs: 100 });
  closeWriter = connection.close;
  writer = new WriteQueue(connection.orm, { flush: connection.flush });
  const log = createLogger("info", {
    write(text: string) {
      const line = JSON.parse(text) as LogLine;
      logs.push(line);
      onLog(line);
    },
  });
  const builtins = builtinPlugins.map((plugin) => ({ plugin, file: undefined }));
  const plugins = new PluginRegistry(builtins, undefined, 1_000);
  scheduler = new Scheduler(database.orm, writer, plugins, log, options);
  publisher = new EventPublisher(writer, scheduler);
  released = gate();
  receiver = startReceiver(async () => {
    await released.promise;
    return new Response("ok");
  });
  const signer = plugins.find("signer", "standard-webhooks") as SignerPlugin;
  const now = Date.now();
  await writer.run((tx) =>
    insertEndpoint(tx, {
      id: newId("ep"),
      url: receiver.url,
      eventTypes: [],
      headers: {},
      secret: signer.generateSecret?.() ?? "",
      enabled: true,
      createdAt: now,
      updatedAt: now,
    }),
  );
});

afterEach(async () => {
  released.open();
  await scheduler.stop(1_000);
  await writer.idle();
  receiver.stop();
  lockHolder?.close();
  closeWriter();
  database.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Lets the event loop go round `count` times: the scheduler's loop takes one per round. */
async function turns(count: number): Promise<void> {
  for (let i = 0; i < count; i++) await new Promise((resolve) => setImmediate(resolve));
}

async function leaseOf(deliveryId: string): Promise<number | null> {
  const result = await database.client.execute({
    sql: "SELECT lease_until FROM deliveries WHERE id = ?",
    args: [deliveryId],
  });
  return result.rows[0]?.lease_until as number | null;
}

async function statusOf(deliveryId: string): Promise<string> {
  const result = await database.client.execute({
    sql: "SELECT status FROM deliveries WHERE id = ?",
    args: [deliveryId],
  });
  return String(result.rows[0]?.status);
}

describe("the lease reconcile after a failed claim", () => {
  test("frees no lease a publish wrote just before it, and sends each delivery once", async () => {
    lockHolder = createClient({ url: database.url });
    const lock = await lockHolder.transaction("write");
    let publishes: Promise<PublishResult>[] = [];
    let heldBatch: Promise<void> | undefined;
    onLog = (line) => {
      if (line.msg !== "claiming deliveries failed" || heldBatch) return;
      void lock.rollback();
      // A transaction of the test's own keeps the writer busy while two publishes queue, then
      // the reconcile: wake() ends the scheduler's pause after the failure, and its loop
      // queues the reconcile within a turn. The next transaction runs them in that order.
      heldBatch = writer.run(async () => {
        publishes = [0, 1].map((n) => publisher.publish({ type: "lease.kept", payload: { n } }));
        scheduler.wake();
        await turns(3);
      });
    };
    // Nothing is due, but a starting scheduler claims once for what a crash may have left.
    scheduler.start();
    await waitFor("the claim to fail on the locked database", () => heldBatch !== undefined);
    await heldBatch;
    const published = await Promise.all(publishes);
    const deliveryIds = published.map((result) => result.deliveries[0]?.id ?? "none");

    await waitFor("both deliveries at the receiver", () => receiver.requests.length === 2);
    // Both are in flight from memory; without their leases a claim could send them again.
    for (const id of deliveryIds) expect(await leaseOf(id)).not.toBeNull();
    expect(logs.filter((line) => line.msg === "freed leases left by failed writes")).toEqual([]);

    released.open();
    for (const id of deliveryIds) {
      await waitFor(`delivery ${id} to succeed`, async () => (await statusOf(id)) === "succeeded");
    }
    await scheduler.stop(1_000);
    expect(webhookIds(receiver.requests).sort()).toEqual(
      published.map((result) => result.event.id).sort(),
    );
  });
});
