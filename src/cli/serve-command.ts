/**
 * `hookrelay serve`: run the relay until SIGTERM or SIGINT, then drain and exit 0. SIGHUP
 * re-reads the configuration and applies what can change without a restart; a file with a
 * problem is refused with every problem logged, and the relay keeps its current settings.
 */
import { type Config, type ConfigFlags, loadConfig } from "../config/config.ts";
import { describeConfig } from "../config/redact.ts";
import { checkDatabaseUrl, ensureDirectory } from "../db/database-location.ts";
import { createLogger, type Logger } from "../observability/logger.ts";
import { type RunningRelay, startRelay } from "../server/relay.ts";
import { releaseEarlySignals } from "./early-signals.ts";
import { prettyDestination } from "./pretty-log.ts";
import { createSystemdNotifier, type SystemdNotifier } from "./systemd-notify.ts";

export async function runServe(flags: ConfigFlags): Promise<void> {
  const config = loadConfig(process.env, flags);
  // Before the relay takes its lock there: a bad path is one line, not mkdir's stack trace.
  ensureDirectory(config.dataDir, "data directory");
  await checkDatabaseUrl(config.databaseUrl);
  const log = createServeLogger(config);
  log.info({ config: describeConfig(config) }, "configuration");
  const notifier = await createSystemdNotifier(process.env, log);
  // Handlers go in before the relay logs "listening": a SIGHUP in the gap would otherwise
  // meet the default action and end the process. A signal that comes during start-up waits
  // for the start to finish.
  const started = startRelay(config, log);
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    const relay = await started;
    notifier.stopping();
    log.info({ signal, graceMs: config.shutdownGraceMs }, "shutting down");
    try {
      await relay.stop();
      notifier.close();
      log.info("stopped");
      process.exit(0);
    } catch (error) {
      log.error({ err: error }, "shutdown failed");
      process.exit(1);
    }
  };
  releaseEarlySignals();
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
  let reloading = Promise.resolve();
  process.on("SIGHUP", () => {
    // A drain under way has stopped what a reload would start again (retention, claims).
    if (stopping) return;
    // One reload at a time: a second SIGHUP waits for the first, then reads the file again.
    // A shutdown that began meanwhile cancels what is still queued.
    reloading = reloading.then(async () => {
      const relay = await started;
      if (!stopping) await reload(relay, flags, log, notifier);
    });
  });
  const relay = await started;
  if (!stopping) notifier.ready(`listening on ${relay.url}`);
}

function createServeLogger(config: Readonly<Config>): Logger {
  return config.logFormat === "pretty"
    ? createLogger(config.logLevel, prettyDestination())
    : createLogger(config.logLevel);
}

async function reload(
  relay: RunningRelay,
  flags: ConfigFlags,
  log: Logger,
  notifier: SystemdNotifier,
): Promise<void> {
  notifier.reloading();
  try {
    const next = loadConfig(process.env, flags);
    const plan = await relay.reload(next);
    log.info({ applied: plan.applied }, "configuration reloaded");
    if (plan.needRestart.length > 0) {
      log.warn({ settings: plan.needRestart }, "these settings change only on restart");
    }
  } catch (error) {
    const problems = error instanceof Error ? error.message.split("\n").slice(1) : [];
    log.error(
      { problems: problems.map((line) => line.trim()), err: problems.length ? undefined : error },
      "reload refused; the relay keeps its current configuration",
    );
  } finally {
    notifier.ready(`listening on ${relay.url}`);
  }
}
