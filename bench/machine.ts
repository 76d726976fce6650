/** What the run ran on, for the report: cores, memory, kernel, runtimes, the relay's commit. */
import { readFileSync } from "node:fs";
import { cpus, loadavg, release, totalmem } from "node:os";
import { relayRoot } from "./processes.ts";

export interface Machine {
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  kernel: string;
  bun: string;
  node: string | null;
  redis: string | null;
  relayRoot: string;
  relayCommit: string | null;
  /** True when the relay's checkout had uncommitted changes in src/. */
  relayDirty: boolean | null;
  summary: string;
}

function firstLine(command: string[], cwd?: string): string | null {
  if (!Bun.which(command[0] as string)) return null;
  const result = Bun.spawnSync(command, { cwd, stdout: "pipe", stderr: "ignore" });
  const text = result.stdout.toString().trim().split("\n")[0] ?? "";
  return result.exitCode === 0 && text !== "" ? text : null;
}

export async function describeMachine(): Promise<Machine> {
  const cores = cpus().length;
  const cpuModel = cpus()[0]?.model ?? "unknown";
  const memoryGiB = totalmem() / 1024 ** 3;
  const relayCommit = firstLine(["git", "rev-parse", "--short", "HEAD"], relayRoot);
  const status = firstLine(["git", "status", "--porcelain", "--", "src"], relayRoot);
  const relayDirty = relayCommit === null ? null : status !== null;
  const redis = firstLine(["redis-server", "--version"]);
  const machine = {
    cores,
    cpuModel,
    memoryGiB,
    kernel: release(),
    bun: Bun.version,
    node: firstLine(["node", "--version"]),
    redis: redis ? (/v=(\S+)/.exec(redis)?.[1] ?? redis) : null,
    relayRoot,
    relayCommit,
    relayDirty,
  };
  const commit = relayCommit
    ? `${relayCommit}${relayDirty ? " + uncommitted src/" : ""}`
    : "an export";
  const summary =
    `${cores} cores (${cpuModel}), ${memoryGiB.toFixed(0)} GiB, Linux ${machine.kernel}, ` +
    `Bun ${machine.bun}, relay ${commit} at ${relayRoot}`;
  return { ...machine, summary };
}

/**
 * How busy the machine was with everything else as well: the share of wall time in which
 * some runnable task waited for a CPU (Linux PSI, /proc/pressure/cpu "some"), from a
 * `start` reading to now. The harness's own processes count too, so read it as a ceiling
 * on outside noise, next to the load average.
 */
export function startLoadMeter(): () => { cpuPressurePercent: number | null; loadAvg: number[] } {
  const read = () => {
    try {
      const text = readFileSync("/proc/pressure/cpu", "utf8");
      return Number(/^some .*total=(\d+)/m.exec(text)?.[1] ?? Number.NaN);
    } catch {
      return Number.NaN;
    }
  };
  const startMicros = read();
  const startedAt = performance.now();
  return () => {
    const stalled = read() - startMicros;
    const wallMicros = (performance.now() - startedAt) * 1000;
    const percent = (stalled / wallMicros) * 100;
    return { cpuPressurePercent: Number.isFinite(percent) ? percent : null, loadAvg: loadavg() };
  };
}
