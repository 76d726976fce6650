/**
 * A running relay: database, migrations, the single writer, the scheduler and the HTTP API,
 * started in that order and stopped in reverse.
 */
import { createApiApp } from "../api/app.ts";
import type { Config } from "../config/config.ts";
import { HookrelayError } from "../errors/hookrelay-error.ts";
import { openDatabase, openWriteConnection } from "../db/client.ts";
import { releaseAllLeases } from "../db/claim-store.ts";
import { applyMigrations, isFullyMigrated } from "../db/migrate.ts";
import { resealSecrets } from "../db/reseal-secrets.ts";
import { SecretCipher, useSecretCipher } from "../db/secret-cipher.ts";
import { WriteQueue } from "../db/write-queue.ts";
import type { Logger } from "../observability/logger.ts";
import { warnAboutMissingPlugins } from "../plugins/missing-plugins.ts";
import { startPluginHost } from "../plugins/plugin-host.ts";
import { BodyBudget } from "../intake/body-budget.ts";
import { DiskGuard } from "../intake/disk-guard.ts";
import { configureOperationalEndpoint } from "../intake/operational-events.ts";
import { EventPublisher } from "../intake/publish-event.ts";
import { InboundReceiver } from "../intake/receive-inbound.ts";
import { SourceCache } from "../ingest/source-cache.ts";
import { Scheduler } from "../scheduler/scheduler.ts";
import type { SchedulerOptions } from "../scheduler/scheduler-options.ts";
import type { ApiDeps } from "../api/deps.ts";
import { syncDeclaredEndpoints } from "../config/apply-declared-endpoints.ts";
import { checkDeclaredSources, syncDeclaredSources } from "../config/apply-declared-sources.ts";
import { mergeReload, planReload, type ReloadPlan } from "../config/reload-plan.ts";
import { relayMetrics } from "../observability/metrics.ts";
import { Retention } from "../retention/retention.ts";
import { resolveApiToken } from "./api-token.ts";
import { acquireDatabaseLock, lockPathFor } from "./lock.ts";
import { version } from "./version.ts";
import { onEndpointWrite } from "../db/endpoint-store.ts";

export interface RunningRelay {
  url: string;
  stop(): Promise<void>;
  /** SIGHUP: applies what can change without a restart; a bad file changes nothing. */
  reload(next: Readonly<Config>): Promise<ReloadPlan>;
}

export async function startRelay(config: Readonly<Config>, log: Logger): Promise<RunningRelay> {
  // Before anything touches the database: a second relay must not even reclaim leases.
  const lock = await acquireDatabaseLock(lockPathFor(config.databaseUrl, config.dataDir));
  let current = config;
  const database = await openDatabase(config.databaseUrl);
  const applied = await applyMigrations(database.client);
  if (applied.length > 0) log.info({ migrations: applied }, "applied migrations");
  const writeConnection = await openWriteConnection(database);
  const writer = new WriteQueue(writeConnection.orm, { flush: writeConnection.flush });
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
  // One object the scheduler reads on every use: a reload assigns new values into it.
  const schedulerOptions = schedulerOptionsFrom(config);
  const scheduler = new Scheduler(database.orm, writer, plugins.registry, log, schedulerOptions);
  checkDeclaredSources(config.sources, plugins.registry, declaredNames(config));
  const declared = await syncDeclaredEndpoints(config, plugins.registry, writer, log);
  if (config.allowedNetworks.length > 0) {
    log.info(
      { allowedNetworks: config.allowedNetworks },
      "SSRF guard allows these private networks",
    );
  }
  const deps: ApiDeps = {
    // A getter: routes read limits (body size, metrics auth) from the reloaded settings.
    get config() {
      return current;
    },
    orm: database.orm,
    writer,
    publisher: new EventPublisher(writer, scheduler),
    inbound: new InboundReceiver(writer, scheduler),
    sources: new SourceCache(database.orm),
    plugins: plugins.registry,
    bodies: {
      api: new BodyBudget({ pool: "api", capacityBytes: () => current.maxBodiesInFlightBytes }),
      ingest: new BodyBudget({
        pool: "ingest",
        capacityBytes: () => current.maxBodiesInFlightBytes,
        keyShare: 0.5,
      }),
    },
    disk,
    log,
    wakeScheduler: () => scheduler.wake(),
    isReady: () => isFullyMigrated(database.client),
    version,
    onInboundRejected: (source, reason) => relayMetrics.recordInboundRejected(source, reason),
  };
  await syncDeclaredSources(config, deps, declared.ids, log);
  await warnAboutMissingPlugins(database.orm, plugins.registry, log, config.pluginsDir);
  const app = createApiApp(deps, resolveApiToken(config.apiToken, config.dataDir, log));
  // reusePort off: a stale second process on the same port must fail, not split traffic.
  try {
    app.listen({ hostname: config.host, port: config.port, reusePort: false });
  } catch (error) {
    // A busy port is an operator's setting problem: one clear line, not a stack trace.
    const reason = error instanceof Error && /in use/i.test(error.message) ? "is in use" : "failed";
    throw new HookrelayError(
      "ERR_CONFIG",
      `cannot listen on ${config.host}:${config.port}: the address ${reason} ` +
        "(choose another with HOOKRELAY_PORT or --port)",
      { cause: error },
    );
  }
  const server = app.server;
  if (!server) throw new HookrelayError("ERR_INTERNAL", "Elysia did not start a server");
  scheduler.start();
  relayMetrics.collectProcessMetrics();
  const forgetDeletedInMetrics = onEndpointWrite((endpointId, deleted) => {
    if (deleted) relayMetrics.forgetEndpoint(endpointId);
  });
  const retention = new Retention(writer, log, () => current);
  retention.schedule();
  const url = `http://${config.host.includes(":") ? `[${config.host}]` : config.host}:${server.port}`;
  log.info({ url, version }, "listening");

  return {
    url,
    async stop() {
      forgetDeletedInMetrics();
      await server.stop(false);
      await scheduler.stop(current.shutdownGraceMs);
      await retention.stop();
      await writer.idle();
      plugins.close();
      disk.stop();
      writeConnection.close();
      database.close();
      lock.release();
    },
    async reload(next) {
      const plan = planReload(current, next);
      // What the relay runs with after the reload: restart-only settings (the data directory
      // with its managed.json among them) keep their running values for the sync too.
      const merged = mergeReload(current, next);
      refuseEmptiedDeclarations(current, merged);
      // Everything declared is checked before anything is written, so a bad file leaves the
      // relay as it was; applied every time, so API edits to managed objects are undone.
      checkDeclaredSources(merged.sources, plugins.registry, declaredNames(merged));
      const endpoints = await syncDeclaredEndpoints(merged, plugins.registry, writer, log);
      await syncDeclaredSources(merged, deps, endpoints.ids, log);
      current = merged;
      Object.assign(schedulerOptions, schedulerOptionsFrom(current));
      log.level = current.logLevel;
      retention.schedule();
      scheduler.wake();
      return plan;
    },
  };
}

/**
 * A file that declared endpoints or sources and now declares none is far likelier written
 * half-way (a shell's `>`, a tool that truncates first) than meant: applied, it would delete
 * every declared object and cancel their pending deliveries for good. A restart still
 * applies such a file, so removing them all stays possible, on purpose.
 */
function refuseEmptiedDeclarations(current: Readonly<Config>, next: Readonly<Config>): void {
  const before = current.endpoints.length + current.sources.length;
  if (before === 0 || next.endpoints.length + next.sources.length > 0) return;
  throw new HookrelayError(
    "ERR_CONFIG",
    "invalid configuration:\n  the file declares no endpoints and no sources, where it " +
      `declared ${before}: a reload would delete them all and cancel their deliveries; ` +
      "if that is meant, restart the relay with the file as it is",
  );
}

function declaredNames(config: Readonly<Config>): Set<string> {
  return new Set(config.endpoints.map((endpoint) => endpoint.name));
}

function schedulerOptionsFrom(config: Readonly<Config>): SchedulerOptions {
  return {
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
    recoveryReportAfterMs: config.recoveryReportAfterMs,
  };
}
