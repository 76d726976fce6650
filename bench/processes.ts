/**
 * Child processes of the harness: every load generator, sink, relay and peer runs in its own
 * process (Bun.spawn), is registered here, and is killed when the harness exits, so a failed
 * run leaves nothing listening. Also reads what the kernel knows about a process: memory
 * from /proc/<pid>/status and CPU time from /proc/<pid>/stat.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";

export const projectRoot = join(import.meta.dir, "..");
export const benchDir = import.meta.dir;
/**
 * The checkout whose relay is measured: this one, or another one (say, a clean export of a
 * commit while the work tree is mid-change) named by HOOKRELAY_BENCH_RELAY_ROOT.
 */
export const relayRoot = resolve(process.env.HOOKRELAY_BENCH_RELAY_ROOT ?? projectRoot);

const children = new Set<Subprocess>();
const tempDirs = new Set<string>();

/** A fresh `hookrelay-bench-<name>-…` temp directory, removed at the latest when the run ends. */
export function makeTempDir(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `hookrelay-bench-${name}-`));
  tempDirs.add(dir);
  return dir;
}

export function removeTempDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

/** Removes every temp directory still there; for the end of a run, however it ends. */
export function removeAllTempDirs(): void {
  for (const dir of tempDirs) removeTempDir(dir);
}

export interface SpawnOptions {
  env?: Record<string, string>;
  cwd?: string;
  /** Where stdout and stderr go; "pipe" keeps stdout readable by the caller. */
  output: "pipe" | { logFile: string };
}

/** Spawns and registers a child; the environment is minimal plus `env`. */
export function spawnChild(command: string[], options: SpawnOptions): Subprocess {
  const base = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "/tmp" };
  const log = options.output === "pipe" ? undefined : Bun.file(options.output.logFile);
  const child = Bun.spawn(command, {
    cwd: options.cwd ?? projectRoot,
    env: { ...base, ...options.env },
    stdin: "ignore",
    stdout: log ?? "pipe",
    stderr: log ?? "inherit",
  });
  children.add(child);
  void child.exited.then(() => children.delete(child));
  return child;
}

/** Stops a child: SIGTERM, then SIGKILL if it is still there after `graceMs`. */
export async function stopChild(child: Subprocess, graceMs = 5_000): Promise<number> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode ?? -1;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  const code = await child.exited;
  clearTimeout(timer);
  return code;
}

/** Kills every child still running; for exits on error, signal or the watchdog. */
export function killAllChildren(): void {
  for (const child of children) child.kill("SIGKILL");
  children.clear();
}

/**
 * Runs a harness script (`bench/…/x.ts`) with its config as one JSON argument and returns
 * the JSON object on the last line of its stdout. Bounded by `timeoutMs`.
 */
export function runScript<T>(script: string, config: unknown, timeoutMs: number): Promise<T> {
  const command = [process.execPath, "--no-install", script, JSON.stringify(config)];
  return runCommand<T>(command, { timeoutMs });
}

/** Runs a command to its end (killed after `timeoutMs`); parses its last stdout line. */
export async function runCommand<T>(
  command: string[],
  options: { timeoutMs: number; env?: Record<string, string>; cwd?: string },
): Promise<T> {
  const child = spawnChild(command, { env: options.env, cwd: options.cwd, output: "pipe" });
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs);
  const stdout = await new Response(child.stdout as ReadableStream).text();
  const code = await child.exited;
  clearTimeout(timer);
  const last = stdout.trim().split("\n").at(-1) ?? "";
  const name = command.slice(0, 3).join(" ").slice(0, 120);
  if (code !== 0) throw new Error(`${name} exited ${code} (bound ${options.timeoutMs} ms)`);
  return JSON.parse(last) as T;
}

/** Reads the first stdout line of a child that announces itself with one JSON line. */
export async function readAnnouncement<T>(child: Subprocess, timeoutMs: number): Promise<T> {
  const reader = (child.stdout as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = "";
  const deadline = Date.now() + timeoutMs;
  while (!text.includes("\n")) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error("child did not announce itself in time");
    const timeout = Bun.sleep(left).then(() => ({ done: true, value: undefined }));
    const { done, value } = await Promise.race([reader.read(), timeout]);
    if (done || !value) throw new Error(`child exited or timed out before announcing itself`);
    text += decoder.decode(value);
  }
  // Keep draining so the child never blocks on a full pipe.
  void (async () => {
    for (;;) if ((await reader.read()).done) break;
  })().catch(() => undefined);
  return JSON.parse(text.slice(0, text.indexOf("\n"))) as T;
}

/** A free loopback TCP port, found by binding port 0 and letting it go again. */
export function findFreePort(): number {
  const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = server.port;
  server.stop(true);
  return port;
}

export interface MemoryStatus {
  rssBytes: number;
  peakRssBytes: number;
}

/** VmRSS (now) and VmHWM (peak since start) of a live process. */
export function readMemoryStatus(pid: number): MemoryStatus {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kib = (field: string) =>
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1]);
  return { rssBytes: kib("VmRSS") * 1024, peakRssBytes: kib("VmHWM") * 1024 };
}

/** User plus system CPU seconds a live process has used so far. */
export function readCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name, which is in parentheses and may contain spaces.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticksPerSecond = 100;
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

/** CPU seconds used by this process itself (for child scripts to report their own). */
export function ownCpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}

/** A CPU meter over a window: cores used on average = CPU seconds / wall seconds. */
export function startCpuMeter(pid: number): () => number {
  const startCpu = readCpuSeconds(pid);
  const startedAt = performance.now();
  return () => {
    const wallSeconds = (performance.now() - startedAt) / 1000;
    return wallSeconds > 0 ? (readCpuSeconds(pid) - startCpu) / wallSeconds : 0;
  };
}

/** Polls `check` every `intervalMs` until it returns a value, or throws after `timeoutMs`. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await Bun.sleep(intervalMs);
  }
}
