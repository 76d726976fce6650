/**
 * Where the management commands (`hookrelay endpoints list`, …) find a running relay and its
 * token: --relay-url / --token, else HOOKRELAY_URL / HOOKRELAY_TOKEN, else the bootstrap token
 * (HOOKRELAY_API_TOKEN, or the one the relay generated into <data-dir>/api-token). Prefer the
 * variable to --token: a flag shows in `ps` and in shell history. The flag is not `--url`: that
 * reads as an endpoint's URL, and a relay address given by mistake receives the token.
 */
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { HookrelayError } from "../errors/hookrelay-error.ts";

export interface ClientFlags {
  relayUrl?: string;
  token?: string;
  dataDir?: string;
}

/** Where the relay's address came from, for messages that help correct it. */
export type RelayUrlSource =
  | "--relay-url"
  | "HOOKRELAY_URL"
  | "HOOKRELAY_HOST/HOOKRELAY_PORT"
  | "the default";

export interface ClientConfig {
  url: string;
  urlSource: RelayUrlSource;
  token: string;
}

export function loadClientConfig(
  env: Record<string, string | undefined>,
  flags: ClientFlags,
): ClientConfig {
  const urlSource: RelayUrlSource =
    flags.relayUrl !== undefined
      ? "--relay-url"
      : env.HOOKRELAY_URL !== undefined
        ? "HOOKRELAY_URL"
        : env.HOOKRELAY_HOST !== undefined || env.HOOKRELAY_PORT !== undefined
          ? "HOOKRELAY_HOST/HOOKRELAY_PORT"
          : "the default";
  const url = (flags.relayUrl ?? env.HOOKRELAY_URL ?? defaultUrl(env)).replace(/\/+$/, "");
  if (!/^https?:\/\/[^/]/.test(url)) {
    throw configProblem(`${urlSource}: expected http(s)://…`);
  }
  // API paths are appended to the address: after a query or a fragment they would land in it.
  if (/[?#]/.test(url)) {
    throw configProblem(`${urlSource}: the relay's address takes no query or fragment`);
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
  return { url, urlSource, token };
}

function defaultUrl(env: Record<string, string | undefined>): string {
  const host = env.HOOKRELAY_HOST ?? "127.0.0.1";
  const port = env.HOOKRELAY_PORT ?? "8080";
  return `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
}

function configProblem(problem: string): HookrelayError {
  return new HookrelayError("ERR_CONFIG", `invalid configuration:\n  ${problem}`);
}
