/**
 * A scheduler, its writer and a publisher on a real database file with one endpoint at a real
 * receiver, for tests that must reach inside the relay: put a publish in a given transaction,
 * or make a WAL sync fail. Everything else is tested end to end.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Database, openDatabase, openWriteConnection } from "../../src/db/client.ts";
import { insertEndpoint } from "../../src/db/endpoint-store.ts";
import { newId } from "../../src/db/ids.ts";
import { applyMigrations } from "../../src/db/migrate.ts";
import { WriteQueue } from "../../src/db/write-queue.ts";
import { EventPublisher } from "../../src/intake/publish-event.ts";
import { createLogger } from "../../src/observability/logger.ts";
import { builtinPlugins } from "../../src/plugins/builtin/index.ts";
import { PluginRegistry } from "../../src/plugins/plugin-registry.ts";
import type { SignerPlugin } from "../../src/plugins/sdk.ts";
import type { SchedulerOptions } from "../../src/scheduler/scheduler-options.ts";
import { Scheduler } from "../../src/scheduler/scheduler.ts";
import { type Receiver, type Responder, startReceiver } from "../support/receiver.ts";

export type LogLine = { msg?: string } & Record<string, unknown>;

export function schedulerOptions(concurrency: number): SchedulerOptions {
  return {
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
}

export interface SchedulerKit {
  database: Database;
  writer: WriteQueue;
  scheduler: Scheduler;
  publisher: EventPublisher;
  receiver: Receiver;
  logs: LogLine[];
  /** Called with each log line as the scheduler writes it, before it goes on. */
  onLog: (line: LogLine) => void;
  leaseOf(deliveryId: string): Promise<number | null>;
  statusOf(deliveryId: string): Promise<string>;
  stop(): Promise<void>;
}

export async function startSchedulerKit(options: {
  concurrency: number;
  respond: Responder;
  /** Wraps the WAL sync, e.g. to make it fail. */
  flush?: (sync: () => Promise<void>) => Promise<void>;
}): Promise<SchedulerKit> {
  const dir = mkdtempSync(join(tmpdir(), "hookrelay-scheduler-"));
  const database = await openDatabase(`file:${join(dir, "hookrelay.db")}`);
  await applyMigrations(database.client);
  // Short, so a write blocked by another connection fails at once instead of in 5 s.
  const connection = await openWriteConnection(database, { busyTimeoutMs: 100 });
  const { flush } = options;
  const sync = connection.flush;
  const writer = new WriteQueue(connection.orm, {
    flush: flush && sync ? () => flush(sync) : sync,
  });
  const builtins = builtinPlugins.map((plugin) => ({ plugin, file: undefined }));
  const plugins = new PluginRegistry(builtins, undefined, 1_000);
  const kit = { logs: [] as LogLine[], onLog: (_line: LogLine) => {} };
  const log = createLogger("info", {
    write(text: string) {
      const line = JSON.parse(text) as LogLine;
      kit.logs.push(line);
      kit.onLog(line);
    },
  });
  const scheduler = new Scheduler(
    database.orm,
    writer,
    plugins,
    log,
    schedulerOptions(options.concurrency),
  );
  const receiver = startReceiver(options.respond);
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
  const column = async (name: string, deliveryId: string) => {
    const result = await database.client.execute({
      sql: `SELECT ${name} FROM deliveries WHERE id = ?`,
      args: [deliveryId],
    });
    return result.rows[0]?.[name];
  };
  return Object.assign(kit, {
    database,
    writer,
    scheduler,
    publisher: new EventPublisher(writer, scheduler),
    receiver,
    leaseOf: async (id: string) => ((await column("lease_until", id)) as number | null) ?? null,
    statusOf: async (id: string) => String(await column("status", id)),
    async stop() {
      await scheduler.stop(1_000);
      await writer.idle();
      receiver.stop();
      connection.close();
      database.close();
      rmSync(dir, { recursive: true, force: true });
    },
  });
}
