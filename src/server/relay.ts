/**
 * A running relay: database, migrations, the single writer, the scheduler and the HTTP API,
 * started in that order and stopped in reverse.
 */
import { createApiApp } from "../api/app.ts";
import type { Config } from "../config/config.ts";
import { HookrelayError } from "../errors/hookrelay-error.ts";
import { openDatabase } from "../db/client.ts";
import { releaseAllLeases } from "../db/delivery-store.ts";
import { applyMigrations, isFullyMigrated } from "../db/migrate.ts";
import { resealSecrets } from "../db/reseal-secrets.ts";
import { SecretCipher, useSecretCipher } from "../db/secret-cipher.ts";
import { WriteQueue } from "../db/write-queue.ts";
import type { Logger } from "../observability/logger.ts";
import { startPluginHost } from "../plugins/plugin-host.ts";
import { DiskGuard } from "../intake/disk-guard.ts";
import { configureOperationalEndpoint } from "../intake/operational-events.ts";
import { Scheduler } from "../scheduler/scheduler.ts";
import { resolveApiToken } from "./api-token.ts";
import { version } from "./version.ts";

export interface RunningRelay {
  url: string;
  stop(): Promise<void>;
}

export async function startRelay(config: Readonly<Config>, log: Logger): Promise<RunningRelay> {
  const database = await openDatabase(config.databaseUrl);
  const applied = await applyMigrations(database.client);
  if (applied.length > 0) log.info({ migrations: applied }, "applied migrations");
  const writer = new WriteQueue(database.orm);
  const disk = new DiskGuard({
    dataDir: config.dataDir,
    minFreeBytes: config.minFreeDiskBytes,
    log,
  });
  writer.onCommitFailure = (error) => disk.noteWriteFailure(error);
  await disk.start();
  // One relay per database (see the operations guide): a lease still set now belongs to a
  // process that died, so its delivery is due again.
  const reclaimed = await writer.run((tx) => releaseAllLeases(tx));
  if (reclaimed > 0) log.info({ reclaimed }, "reclaimed deliveries left in flight by a crash");

  const cipher = await SecretCipher.create(config.secretKeys);
  useSecretCipher(cipher);
  if (cipher.enabled) {
    const resealed = await resealSecrets(writer, cipher);
    if (resealed > 0) log.info({ resealed }, "sealed secrets with the newest key");
  } else {
    log.warn("no HOOKRELAY_SECRET_KEYS: endpoint and source secrets are stored unencrypted");
  }
  await configureOperationalEndpoint(writer, {
    url: config.operationalWebhookUrl,
    secret: config.operationalWebhookSecret,
  });
  const plugins = await startPluginHost({
    pluginsDir: config.pluginsDir,
    lenient: config.lenientPlugins,
    timeoutMs: config.pluginTimeoutMs,
    log,
  });
  const scheduler = new Scheduler(database.orm, writer, plugins.registry, log, {
    concurrency: config.concurrency,
    endpointConcurrency: config.endpointConcurrency,
    attemptTimeoutMs: config.attemptTimeoutMs,
    responseBodyMaxBytes: config.responseBodyMaxBytes,
    retryPolicy: {
      scheduleMs: config.retryScheduleMs,
      jitter: config.retryJitter,
      retryAfterMaxMs: config.retryAfterMaxMs,
    },
    retryClientErrors: config.retryClientErrors,
    userAgent: `hookrelay/${version}`,
    destinationPolicy: { allowedNetworks: config.allowedNetworks, httpsOnly: config.httpsOnly },
    gate: { breakerFailures: config.breakerFailures, breakerCooldownMs: config.breakerCooldownMs },
    autoDisableAfterMs: config.autoDisableAfterMs,
  });
  if (config.allowedNetworks.length > 0) {
    log.info(
      { allowedNetworks: config.allowedNetworks },
      "SSRF guard allows these private networks",
    );
  }
  const app = createApiApp(
    {
      config,
      orm: database.orm,
      writer,
      plugins: plugins.registry,
      disk,
      log,
      wakeScheduler: () => scheduler.wake(),
      isReady: () => isFullyMigrated(database.client),
      version,
    },
    resolveApiToken(config.apiToken, config.dataDir, log),
  );
  // reusePort off: a stale second process on the same port must fail, not split traffic.
  app.listen({ hostname: config.host, port: config.port, reusePort: false });
  const server = app.server;
  if (!server) throw new HookrelayError("ERR_INTERNAL", "Elysia did not start a server");
  scheduler.start();
  const url = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${server.port}`;
  log.info({ url, version }, "listening");

  return {
    url,
    async stop() {
      await server.stop(false);
      await scheduler.stop(config.shutdownGraceMs);
      await writer.idle();
      plugins.close();
      disk.stop();
      database.close();
    },
  };
}
