/**
 * `hookrelay install-service`: prints the systemd unit, or with --write installs it with a
 * starting hookrelay.toml (from config.example.toml) and an environment file holding a new
 * admin token, leaving existing files alone.
 */
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import type { Command } from "commander";
import exampleConfig from "../../config.example.toml" with { type: "text" };
import { loadConfig } from "../config/config.ts";
import { renderServiceUnit } from "./service-unit.ts";

interface ServiceFlags {
  binary?: string;
  config: string;
  unitFile: string;
  stopTimeout?: string;
  write?: boolean;
}

export function registerServiceCommand(program: Command): void {
  program
    .command("install-service")
    .description("print the hardened systemd unit, or install it with --write")
    .option("--binary <path>", "the hookrelay binary (default: this one)")
    .option("--config <file>", "hookrelay.toml the unit passes", "/etc/hookrelay/hookrelay.toml")
    .option(
      "--unit-file <file>",
      "where --write puts the unit",
      "/etc/systemd/system/hookrelay.service",
    )
    .option("--stop-timeout <seconds>", "TimeoutStopSec (default: shutdown grace + 20 s)")
    .option("--write", "write the unit, and the config and env files if they do not exist")
    .addHelpText(
      "after",
      "\nExample:\n  sudo hookrelay install-service --write && sudo systemctl daemon-reload && " +
        "sudo systemctl enable --now hookrelay",
    )
    .action((flags: ServiceFlags) => runInstallService(flags));
}

function runInstallService(flags: ServiceFlags): void {
  const configPath = resolve(flags.config);
  const environmentFile = join(dirname(configPath), "hookrelay.env");
  const unit = renderServiceUnit({
    binary: resolve(flags.binary ?? defaultBinary()),
    configPath,
    environmentFile,
    stopTimeoutSeconds: stopTimeoutSeconds(flags, configPath),
  });
  if (!flags.write) {
    process.stdout.write(unit);
    return;
  }
  writeNew(resolve(flags.unitFile), unit, 0o644, true);
  writeNew(configPath, String(exampleConfig), 0o644, false);
  const token = `hr_${randomBytes(32).toString("base64url")}`;
  writeNew(environmentFile, `HOOKRELAY_API_TOKEN=${token}\n`, 0o600, false);
  console.log("next: systemctl daemon-reload && systemctl enable --now hookrelay");
  console.log(`the admin token is HOOKRELAY_API_TOKEN in ${environmentFile}`);
}

/** The running binary when this is the compiled hookrelay, else where the docs install it. */
function defaultBinary(): string {
  return import.meta.path.startsWith("/$bunfs/") ? process.execPath : "/usr/local/bin/hookrelay";
}

function stopTimeoutSeconds(flags: ServiceFlags, configPath: string): number {
  if (flags.stopTimeout !== undefined) return Number(flags.stopTimeout);
  const fileExists = existsSync(configPath);
  const config = loadConfig(process.env, fileExists ? { config: configPath } : {});
  return Math.ceil(config.shutdownGraceMs / 1000) + 20;
}

function writeNew(path: string, text: string, mode: number, replace: boolean): void {
  if (existsSync(path) && !replace) {
    console.log(`kept ${path}`);
    return;
  }
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text, { mode });
  chmodSync(path, mode);
  console.log(`wrote ${path}`);
}
