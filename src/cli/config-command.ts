/**
 * `hookrelay config validate [file]`: everything `serve` checks before it starts (every
 * setting from the file, the environment and flags, and the declared endpoints against the
 * plugins), without starting, and all of it at once: endpoint problems are listed even when
 * a setting is also wrong. Each problem on its own line with its key and file line; exit
 * status 2 when there is any.
 */
import { resolve } from "node:path";
import type { Command } from "commander";
import { checkDeclaredEndpoints } from "../config/apply-declared-endpoints.ts";
import { checkDeclaredSources } from "../config/apply-declared-sources.ts";
import { readConfigFile } from "../config/config-file.ts";
import { type Config, loadConfig } from "../config/config.ts";
import { specOf } from "../config/settings.ts";
import { HookrelayError } from "../errors/hookrelay-error.ts";
import { createLogger } from "../observability/logger.ts";
import { startPluginHost } from "../plugins/plugin-host.ts";

export function registerConfigCommands(program: Command): void {
  const config = program.command("config").description("check configuration");
  config
    .command("validate [file]")
    .description("check a hookrelay.toml (and the environment) without starting")
    .addHelpText(
      "after",
      "\nExit status 0 when valid, 2 when not.\n\nExample:\n" +
        "  hookrelay config validate /etc/hookrelay/hookrelay.toml",
    )
    .action((file: string | undefined) => runValidate(file));
}

async function runValidate(file: string | undefined): Promise<void> {
  const path = file ?? process.env.HOOKRELAY_CONFIG;
  const problems: string[] = [];
  let config: Readonly<Config> | undefined;
  try {
    config = loadConfig(process.env, path ? { config: path } : {});
  } catch (error) {
    problems.push(...problemsOf(error));
  }
  // With a setting wrong there is no loaded config; the file still says which endpoints and
  // plugins directory it wants, so the endpoints are checked too.
  const contents = path && !config ? readConfigFile(resolve(path)) : undefined;
  const endpoints = config?.endpoints ?? contents?.endpoints ?? [];
  const sources = config?.sources ?? contents?.sources ?? [];
  const host = await startPluginHost({
    pluginsDir: config?.pluginsDir ?? resolve("plugins"),
    lenient: true,
    timeoutMs: config?.pluginTimeoutMs ?? 1_000,
    log: createLogger("fatal"),
  });
  try {
    // Without a loaded config, the guard's settings are read as the relay would read them,
    // so a wrong port does not also report every allowed private endpoint as refused.
    const setting = (name: "allowPrivateNetworks" | "httpsOnly") =>
      process.env[specOf(name).env] ?? contents?.values[name]?.text ?? specOf(name).fallback;
    const policy = {
      allowedNetworks:
        config?.allowedNetworks ??
        setting("allowPrivateNetworks")
          .split(",")
          .map((cidr) => cidr.trim())
          .filter((cidr) => cidr !== ""),
      httpsOnly: config?.httpsOnly ?? setting("httpsOnly") === "true",
    };
    for (const check of [
      () => checkDeclaredEndpoints(endpoints, host.registry, policy),
      () => checkDeclaredSources(sources, host.registry, new Set(endpoints.map((e) => e.name))),
    ]) {
      try {
        check();
      } catch (error) {
        problems.push(...problemsOf(error));
      }
    }
  } finally {
    host.close();
  }
  const name = path ?? "environment";
  if (problems.length === 0) {
    const declared = `${endpoints.length} endpoint(s), ${sources.length} source(s) declared`;
    console.log(`${name}: ok (${declared})`);
    return;
  }
  console.error(`${name}: ${problems.length} problem(s)`);
  for (const problem of problems) console.error(`  ${problem}`);
  process.exitCode = 2;
}

function problemsOf(error: unknown): string[] {
  if (!(error instanceof HookrelayError) || error.code !== "ERR_CONFIG") throw error;
  return error.message
    .split("\n")
    .slice(1)
    .map((line) => line.trim());
}
