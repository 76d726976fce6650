/**
 * Starts the real relay (`bun src/main.ts serve`) as a child process on an ephemeral loopback
 * port with its own data directory, and offers a small API client for tests.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { removeAtEnd } from "./leftovers.ts";
import { waitFor } from "./wait.ts";

export const projectRoot = join(import.meta.dir, "..", "..");

export interface RelayOptions {
  env?: Record<string, string>;
  dataDir?: string;
  /** argv used instead of `bun --no-install src/main.ts`, e.g. a compiled binary. */
  command?: string[];
  cwd?: string;
  /** Variables the default environment sets that this relay must not see. */
  unset?: string[];
}

export interface Relay {
  url: string;
  token: string;
  dataDir: string;
  process: Subprocess<"ignore", "pipe", "pipe">;
  logs: Record<string, unknown>[];
  api(path: string, init?: RequestInit & { json?: unknown }): Promise<Response>;
  json<T = any>(path: string, init?: RequestInit & { json?: unknown }): Promise<T>;
  kill(signal?: NodeJS.Signals | number): Promise<number>;
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Removed after the run (leftovers.ts), also when the test that made it never cleans up. */
export function makeDataDir(): string {
  return removeAtEnd(mkdtempSync(join(tmpdir(), "hookrelay-test-")));
}

export async function startRelay(options: RelayOptions = {}): Promise<Relay> {
  const dataDir = options.dataDir ?? makeDataDir();
  const token = options.env?.HOOKRELAY_API_TOKEN ?? "test-token-0123456789abcdef";
  const command = options.command ?? [process.execPath, "--no-install", "src/main.ts"];
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "",
    HOOKRELAY_HOST: "127.0.0.1",
    HOOKRELAY_PORT: "0",
    HOOKRELAY_DATA_DIR: dataDir,
    HOOKRELAY_API_TOKEN: token,
    HOOKRELAY_RETRY_SCHEDULE: "100ms,200ms,300ms",
    HOOKRELAY_LOG_LEVEL: "debug",
    // Receivers in tests listen on loopback, which the SSRF guard refuses by default.
    HOOKRELAY_ALLOW_PRIVATE_NETWORKS: "127.0.0.0/8,::1/128",
    ...options.env,
  };
  for (const name of options.unset ?? []) delete env[name];
  const child = Bun.spawn([...command, "serve"], {
    cwd: options.cwd ?? projectRoot,
    env,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  const logs: Record<string, unknown>[] = [];
  const stderrLines: string[] = [];
  void collectLines(child.stdout, (line) => {
    try {
      logs.push(JSON.parse(line));
    } catch {
      logs.push({ msg: "non-json-line", line });
    }
  });
  void collectLines(child.stderr, (line) => stderrLines.push(line));

  const url = await waitFor(
    "the relay to log that it is listening",
    () => {
      if (child.exitCode !== null) {
        throw new Error(`relay exited ${child.exitCode}: ${stderrLines.join("\n")}`);
      }
      const line = logs.find((l) => l.msg === "listening");
      return typeof line?.url === "string" ? line.url : undefined;
    },
    15_000,
  );

  const api = (path: string, init: RequestInit & { json?: unknown } = {}) => {
    const headers = new Headers(init.headers);
    if (!headers.has("authorization")) headers.set("authorization", `Bearer ${token}`);
    let body = init.body;
    if (init.json !== undefined) {
      headers.set("content-type", "application/json");
      body = JSON.stringify(init.json);
    }
    return fetch(`${url}${path}`, { ...init, headers, body });
  };
  const json = async (path: string, init?: RequestInit & { json?: unknown }) => {
    const response = await api(path, init);
    const text = await response.text();
    if (!response.ok)
      throw new Error(`${init?.method ?? "GET"} ${path}: ${response.status} ${text}`);
    return text === "" ? undefined : JSON.parse(text);
  };
  const kill = async (signal: NodeJS.Signals | number = "SIGTERM") => {
    child.kill(signal);
    return child.exited;
  };
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) await kill("SIGKILL");
    if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
  };
  return {
    url,
    token,
    dataDir,
    process: child,
    logs,
    api,
    json,
    kill,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

async function collectLines(stream: ReadableStream<Uint8Array>, onLine: (line: string) => void) {
  const decoder = new TextDecoder();
  let buffered = "";
  for await (const chunk of stream) {
    buffered += decoder.decode(chunk, { stream: true });
    let newline = buffered.indexOf("\n");
    while (newline >= 0) {
      const line = buffered.slice(0, newline).trim();
      if (line !== "") onLine(line);
      buffered = buffered.slice(newline + 1);
      newline = buffered.indexOf("\n");
    }
  }
}
