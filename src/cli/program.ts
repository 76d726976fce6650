/** The command line, parsed by commander. Flags override HOOKRELAY_* environment variables. */
import { Command, Option } from "commander";
import type { ConfigFlags } from "../config/config.ts";
import { version } from "../server/version.ts";
import { runMigrate } from "./migrate-command.ts";
import { runServe } from "./serve-command.ts";

function withDatabaseOptions(command: Command): Command {
  return command
    .addOption(
      new Option("--data-dir <dir>", "data directory (HOOKRELAY_DATA_DIR, default ./data)"),
    )
    .addOption(
      new Option("--database-url <url>", "libSQL URL (default file:<data-dir>/hookrelay.db)"),
    )
    .addOption(new Option("--log-level <level>", "trace|debug|info|warn|error"));
}

export function buildProgram(): Command {
  const program = new Command("hookrelay")
    .description("A webhook relay in one executable: durable outbox, signed delivery, retries.")
    .version(version, "-v, --version")
    .showHelpAfterError();

  withDatabaseOptions(
    program
      .command("serve")
      .description("run the relay: HTTP API, scheduler and deliveries")
      .option("--host <host>", "address to listen on (HOOKRELAY_HOST, default 127.0.0.1)")
      .option("--port <port>", "port to listen on, 0 for any (HOOKRELAY_PORT, default 8080)")
      .option("--retry-schedule <list>", "delays between attempts, e.g. 5s,5m,30m,2h")
      .option("--attempt-timeout <duration>", "timeout of one attempt (default 15s)")
      .option("--concurrency <n>", "attempts in flight at once (default 64)")
      .option("--endpoint-concurrency <n>", "attempts in flight per endpoint (default 4)")
      .addHelpText(
        "after",
        "\nExample:\n  HOOKRELAY_API_TOKEN=$(openssl rand -hex 24) hookrelay serve --port 8080",
      ),
  ).action((options: ConfigFlags) => runServe(options));

  withDatabaseOptions(
    program
      .command("migrate")
      .description("apply database migrations and exit")
      .addHelpText("after", "\nExample:\n  hookrelay migrate --data-dir /var/lib/hookrelay"),
  ).action((options: ConfigFlags) => runMigrate(options));

  return program;
}
