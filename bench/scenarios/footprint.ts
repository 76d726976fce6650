/**
 * Scenario 7, footprint: the size of the one-file binary, its cold start (from exec to the
 * first `/readyz` 200, on an empty data directory, so migrations included) and its idle RSS
 * a second after start; the same for `bun src/main.ts`. Peak RSS at saturation comes from
 * scenario 1. The binary is dist/hookrelay if it exists, else built once into a temp dir.
 */
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Plan } from "../plan.ts";
import {
  makeTempDir,
  readMemoryStatus,
  relayRoot,
  removeTempDir,
  spawnChild,
} from "../processes.ts";
import { startRelayProcess } from "../relay/relay-process.ts";
import type { FigureSpec, Report } from "../report.ts";

const scenario = "7 footprint";
const idleSettleMs = 1_000;

export const footprintFigures = {
  binarySize: { id: "footprint.binaryMb", scenario, label: "binary size", unit: "MB" },
  binaryColdStart: {
    id: "footprint.binaryColdStart",
    scenario,
    label: "cold start, binary (exec to /readyz 200)",
    unit: "ms",
    targets: [{ kind: "atMost", value: 300, label: "<= 300 ms" }],
  },
  binaryIdleRss: {
    id: "footprint.binaryIdleRss",
    scenario,
    label: "idle RSS, binary",
    unit: "MB",
    targets: [{ kind: "atMost", value: 80, label: "<= 80 MB" }],
  },
  sourceColdStart: {
    id: "footprint.sourceColdStart",
    scenario,
    label: "cold start, bun src/main.ts",
    unit: "ms",
  },
  sourceIdleRss: {
    id: "footprint.sourceIdleRss",
    scenario,
    label: "idle RSS, bun src/main.ts",
    unit: "MB",
  },
} satisfies Record<string, FigureSpec>;

/** dist/hookrelay, or a fresh build of the checkout under test into a temp directory. */
export async function findOrBuildBinary(): Promise<{ path: string; built: boolean }> {
  const dist = join(relayRoot, "dist", "hookrelay");
  if (existsSync(dist)) return { path: dist, built: false };
  const out = join(makeTempDir("build"), "hookrelay");
  const build = spawnChild(
    [process.execPath, "--no-install", "scripts/build.ts", "src/main.ts", out],
    { cwd: relayRoot, output: { logFile: `${out}.build.log` } },
  );
  const code = await build.exited;
  if (code !== 0) throw new Error(`building the binary failed; see ${out}.build.log`);
  return { path: out, built: true };
}

async function measureStart(binary?: string): Promise<{ startupMs: number; idleRssMb: number }> {
  const dataDir = makeTempDir("start");
  const relay = await startRelayProcess({ dataDir, ...(binary ? { binary } : {}) });
  try {
    await Bun.sleep(idleSettleMs);
    return { startupMs: relay.startupMs, idleRssMb: readMemoryStatus(relay.pid).rssBytes / 1e6 };
  } finally {
    await relay.stop();
    removeTempDir(dataDir);
  }
}

export async function runFootprintRound(plan: Plan, report: Report, binary: string) {
  report.record(footprintFigures.binarySize, statSync(binary).size / 1e6);
  for (let i = 0; i < plan.footprint.coldStarts; i++) {
    const compiled = await measureStart(binary);
    report.record(footprintFigures.binaryColdStart, compiled.startupMs);
    report.record(footprintFigures.binaryIdleRss, compiled.idleRssMb);
    const source = await measureStart();
    report.record(footprintFigures.sourceColdStart, source.startupMs);
    report.record(footprintFigures.sourceIdleRss, source.idleRssMb);
  }
}
