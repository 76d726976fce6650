/** The command line, parsed by commander. Flags override HOOKRELAY_* environment variables. */
import { Command, Option } from "commander";
import type { ConfigFlags } from "../config/config.ts";
import { version } from "../server/version.ts";
import { runMigrate } from "./migrate-command.ts";
import { registerOperationsCommands } from "./operations-commands.ts";
import { runPluginsList, runPluginsTest } from "./plugins-command.ts";
import { runServe } from "./serve-command.ts";

function withDatabaseOptions(command: Command): Command {
  return command
    .addOption(new Option("--config <file>", "hookrelay.toml to read (HOOKRELAY_CONFIG)"))
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
    .showHelpAfterError()
    // Commander's usage errors then reach main.ts as CommanderErrors and exit 2, as ours do
    // (src/cli/exit-status.ts). Set before any subcommand: each copies it when created.
    .exitOverride();

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
      .option("--log-format <format>", "json (default) or pretty, for a terminal")
      .option(
        "--plugins-dir <dir>",
        "plugin files to load (HOOKRELAY_PLUGINS_DIR, default ./plugins)",
      )
      .option(
        "--lenient-plugins",
        "skip broken plugins with an error log instead of refusing to start",
      )
      .addHelpText(
        "after",
        "\nExamples:\n  HOOKRELAY_API_TOKEN=$(openssl rand -hex 24) hookrelay serve --port 8080\n" +
          "  hookrelay serve --config /etc/hookrelay/hookrelay.toml --log-format pretty",
      ),
  ).action((options: ConfigFlags) => runServe(options));

  withDatabaseOptions(
    program
      .command("migrate")
      .description("apply database migrations and exit")
      .addHelpText("after", "\nExample:\n  hookrelay migrate --data-dir /var/lib/hookrelay"),
  ).action((options: ConfigFlags) => runMigrate(options));

  const plugins = program.command("plugins").description("list and test plugins");
  plugins
    .command("list")
    .description("list the built-in plugins and those in the plugins directory")
    .option("--plugins-dir <dir>", "plugin files to load (default ./plugins)")
    .option("--json", "print JSON instead of a table")
    .addHelpText(
      "after",
      "\nExample:\n  hookrelay plugins list --plugins-dir /etc/hookrelay/plugins",
    )
    .action((options: ConfigFlags & { json?: boolean }) => runPluginsList(options));
  plugins
    .command("test <file>")
    .description("load one plugin and run it against fixture files")
    .option("--fixtures <dir>", "fixture directory (default <file>.fixtures next to the file)")
    .option("--timeout <ms>", "time budget per call in milliseconds", "1000")
    .addHelpText(
      "after",
      "\nExample:\n  hookrelay plugins test plugins/slack.ts --fixtures plugins/slack.fixtures",
    )
    .action((file: string, options: { fixtures?: string; timeout?: string }) =>
      runPluginsTest(file, options),
    );

  registerOperationsCommands(program);
  return program;
}
