/** `hookrelay serve`: run the relay until SIGTERM or SIGINT, then drain and exit 0. */
import { type ConfigFlags, loadConfig } from "../config/config.ts";
import { createLogger } from "../observability/logger.ts";
import { startRelay } from "../server/relay.ts";

export async function runServe(flags: ConfigFlags): Promise<void> {
  const config = loadConfig(process.env, flags);
  const log = createLogger(config.logLevel);
  const relay = await startRelay(config, log);
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal, graceMs: config.shutdownGraceMs }, "shutting down");
    try {
      await relay.stop();
      log.info("stopped");
      process.exit(0);
    } catch (error) {
      log.error({ err: error }, "shutdown failed");
      process.exit(1);
    }
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}
