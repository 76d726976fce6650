/**
 * The relay under test, in its own process: `bun --no-install src/main.ts serve` (or the
 * compiled binary) on a loopback port picked beforehand, so the harness knows where to look
 * for `/readyz` even with logs turned down to warnings. Logs go to a file in the data
 * directory, where a failed run can be read afterwards.
 */
import { join } from "node:path";
import type { Subprocess } from "bun";
import { benchSecret } from "../payload.ts";
import { benchDir, findFreePort, relayRoot, spawnChild, stopChild } from "../processes.ts";
import { wallClockMs } from "../wall-clock.ts";

export const benchToken = "bench-token-0123456789abcdef";
const sqlTimingPreload = join(benchDir, "sql-timing-preload.ts");
/** The harness's own API calls (endpoints, dead letters) give up after this. */
const apiTimeoutMs = 10_000;

export interface RelayStartOptions {
  dataDir: string;
  /** Extra HOOKRELAY_* settings; these win over the defaults below. */
  env?: Record<string, string>;
  /** Run this executable instead of `bun src/main.ts` (the compiled binary). */
  binary?: string;
  /**
   * Profile the relay: Bun's --cpu-prof and the SQL timing preload write a CPU profile and
   * sql-timing.json into this directory when the relay exits.
   */
  profileDir?: string;
  /** How long to wait for the first `/readyz` 200 (default 30 s). */
  readyTimeoutMs?: number;
  /** Return a relay that never became ready instead of failing (its startupMs is Infinity). */
  allowUnready?: boolean;
}

export interface RelayProcess {
  url: string;
  pid: number;
  child: Subprocess;
  logFile: string;
  /** From spawning the process to the first `/readyz` 200, in ms; Infinity if none came. */
  startupMs: number;
  api(path: string, init?: { method?: string; json?: unknown }): Promise<Response>;
  createEndpoint(url: string): Promise<string>;
  stop(): Promise<number>;
}

/** Settings every benchmark uses: one relay, 64 attempts in flight, quiet logs. */
export const benchRelayEnv: Record<string, string> = {
  HOOKRELAY_HOST: "127.0.0.1",
  HOOKRELAY_API_TOKEN: benchToken,
  HOOKRELAY_CONCURRENCY: "64",
  HOOKRELAY_ENDPOINT_CONCURRENCY: "64",
  HOOKRELAY_LOG_LEVEL: "warn",
  HOOKRELAY_SHUTDOWN_GRACE: "2s",
  // As the systemd unit sets it (src/cli/service-unit.ts): JavaScriptCore sizes its heap by
  // the machine's RAM otherwise, which on this 24 GiB host lets it grow to 200 MB.
  BUN_JSC_forceRAMSize: "536870912",
  // The sink listens on loopback, which the SSRF guard refuses by default.
  HOOKRELAY_ALLOW_PRIVATE_NETWORKS: "127.0.0.0/8",
};

export async function startRelayProcess(options: RelayStartOptions): Promise<RelayProcess> {
  const port = findFreePort();
  const url = `http://127.0.0.1:${port}`;
  const logFile = join(options.dataDir, "relay.log");
  const profileDir = options.profileDir;
  const profile = profileDir
    ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`, "--preload", sqlTimingPreload]
    : [];
  const command = options.binary
    ? [options.binary, "serve"]
    : [process.execPath, "--no-install", ...profile, join(relayRoot, "src/main.ts"), "serve"];
  const spawnedAt = wallClockMs();
  const child = spawnChild(command, {
    env: {
      ...benchRelayEnv,
      HOOKRELAY_PORT: String(port),
      HOOKRELAY_DATA_DIR: options.dataDir,
      ...(profileDir
        ? { HOOKRELAY_BENCH_SQL_TIMING_FILE: join(profileDir, "sql-timing.json") }
        : {}),
      ...options.env,
    },
    cwd: relayRoot,
    output: { logFile },
  });
  const readyTimeoutMs = options.readyTimeoutMs ?? 30_000;
  const ready = await waitUntilReady(child, url, readyTimeoutMs);
  if (!ready && !options.allowUnready) {
    child.kill("SIGKILL");
    throw new Error(`the relay's /readyz gave no 200 within ${readyTimeoutMs} ms; see ${logFile}`);
  }
  const startupMs = ready ? wallClockMs() - spawnedAt : Number.POSITIVE_INFINITY;
  const api = (path: string, init: { method?: string; json?: unknown } = {}) =>
    fetch(`${url}${path}`, {
      method: init.method ?? (init.json === undefined ? "GET" : "POST"),
      headers: { authorization: `Bearer ${benchToken}`, "content-type": "application/json" },
      signal: AbortSignal.timeout(apiTimeoutMs),
      ...(init.json === undefined ? {} : { body: JSON.stringify(init.json) }),
    });
  return {
    url,
    pid: child.pid,
    child,
    logFile,
    startupMs,
    api,
    async createEndpoint(endpointUrl) {
      const response = await api("/v1/endpoints", {
        json: { url: endpointUrl, secret: benchSecret },
      });
      if (response.status !== 201) throw new Error(`creating an endpoint: ${response.status}`);
      return ((await response.json()) as { id: string }).id;
    },
    stop: () => stopChild(child, 15_000),
  };
}

/**
 * Polls `/readyz` every 2 ms until a 200 or the bound. Each poll has its own short timeout:
 * a relay whose event loop is blocked accepts the connection and answers much later.
 */
async function waitUntilReady(child: Subprocess, url: string, timeoutMs: number) {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the relay exited ${child.exitCode}`);
    const left = Math.max(1, Math.min(2_000, deadline - performance.now()));
    const answer = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(left) }).catch(
      () => undefined,
    );
    if (answer?.status === 200) return true;
    await Bun.sleep(2);
  }
  return false;
}

/** Applies the migrations to a fresh data directory (`hookrelay migrate`), then returns. */
export async function migrateDataDir(dataDir: string): Promise<void> {
  const child = spawnChild(
    [process.execPath, "--no-install", join(relayRoot, "src/main.ts"), "migrate"],
    {
      cwd: relayRoot,
      env: { ...benchRelayEnv, HOOKRELAY_DATA_DIR: dataDir },
      output: { logFile: join(dataDir, "migrate.log") },
    },
  );
  const code = await child.exited;
  if (code !== 0) throw new Error(`hookrelay migrate exited ${code}`);
}
