/**
 * Where the management commands (`hookrelay endpoints list`, …) find a running relay and its
 * token: --url / --token, else HOOKRELAY_URL / HOOKRELAY_TOKEN, else the bootstrap token
 * (HOOKRELAY_API_TOKEN, or the one the relay generated into <data-dir>/api-token). Prefer the
 * variable to --token: a flag shows in `ps` and in shell history.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { HookrelayError } from "../errors/hookrelay-error.ts";

export interface ClientFlags {
  url?: string;
  token?: string;
  dataDir?: string;
}

export interface ClientConfig {
  url: string;
  token: string;
}

export function loadClientConfig(
  env: Record<string, string | undefined>,
  flags: ClientFlags,
): ClientConfig {
  const url = (flags.url ?? env.HOOKRELAY_URL ?? defaultUrl(env)).replace(/\/+$/, "");
  if (!/^https?:\/\/[^/]/.test(url)) {
    throw configProblem("--url: expected http(s)://…");
  }
  const dataDir = resolve(flags.dataDir ?? env.HOOKRELAY_DATA_DIR ?? "./data");
  const tokenFile = join(dataDir, "api-token");
  const token =
    flags.token ??
    env.HOOKRELAY_TOKEN ??
    env.HOOKRELAY_API_TOKEN ??
    (existsSync(tokenFile) ? readFileSync(tokenFile, "utf8").trim() : undefined);
  if (!token) {
    throw configProblem("HOOKRELAY_TOKEN: no API token; set HOOKRELAY_TOKEN or pass --token");
  }
  return { url, token };
}

function defaultUrl(env: Record<string, string | undefined>): string {
  const host = env.HOOKRELAY_HOST ?? "127.0.0.1";
  const port = env.HOOKRELAY_PORT ?? "8080";
  return `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
}

function configProblem(problem: string): HookrelayError {
  return new HookrelayError("ERR_CONFIG", `invalid configuration:\n  ${problem}`);
}
