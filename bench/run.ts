/**
 * `bun --no-install bench/run.ts [--quick] [--only=e2e,latency,…] [--profile]`
 *
 * Runs every benchmark of issue 7 on loopback, side by side in one run: the baselines (the
 * delivery limit, the durability limit, the BullMQ peer) and scenarios 1-8 of the relay, in
 * rounds, each round running every measurement once, so a slow minute of a shared machine
 * hits every figure alike. Prints one table (median and spread of the rounds, and the
 * issue's targets as ratios) and writes it as JSON to bench/results/. Asserts nothing about
 * speed: it exits 0 when every measurement ran, 1 when one failed.
 *
 * --quick: one round of small counts, well under a minute (CI runs it so the harness
 * cannot rot). --profile: one more scenario-1 run with Bun's --cpu-prof on the relay; the
 * profile and a summary of where the time went land beside the JSON.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { runDeliveryLimit, runDurabilityLimit, runPeerBaseline } from "./baselines/baselines.ts";
import { cpuBudget, describeCpuBudget } from "./cpu-budget.ts";
import { describeMachine, startLoadMeter } from "./machine.ts";
import { buildPlan } from "./plan.ts";
import { benchDir, killAllChildren, removeAllTempDirs } from "./processes.ts";
import { profileEndToEnd } from "./profile-run.ts";
import { Report, renderTable, reportJson } from "./report.ts";
import {
  prepareHistory,
  runEndToEndRound,
  runFanOutRound,
  runHistoryRound,
  runRetriesRound,
} from "./scenarios/closed-loop.ts";
import { prepareDrain, runDrainRound } from "./scenarios/drain.ts";
import { findOrBuildBinary, runFootprintRound } from "./scenarios/footprint.ts";
import { runInboundRound } from "./scenarios/inbound.ts";
import { runLatencyRound } from "./scenarios/latency.ts";

const sectionNames = [
  "limits",
  "peer",
  "e2e",
  "latency",
  "drain",
  "fanout",
  "history",
  "retries",
  "footprint",
  "inbound",
] as const;
type SectionName = (typeof sectionNames)[number];

const args = process.argv.slice(2);
const plan = buildPlan({ quick: args.includes("--quick") });
const only = args
  .find((a) => a.startsWith("--only="))
  ?.slice("--only=".length)
  .split(",");
const unknown = only?.filter((name) => !(sectionNames as readonly string[]).includes(name));
if (unknown && unknown.length > 0) {
  console.error(`bench: unknown section ${unknown.join(", ")}; known: ${sectionNames.join(", ")}`);
  process.exit(2);
}
const selected = sectionNames.filter((name) => !only || only.includes(name));
const report = new Report();
const startedAt = new Date();

const watchdog = setTimeout(
  () => abort(`the run passed its bound of ${plan.runTimeoutMs} ms`),
  plan.runTimeoutMs,
);
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => abort(signal));

function abort(reason: string): never {
  console.error(`bench: stopping: ${reason}`);
  killAllChildren();
  removeAllTempDirs();
  process.exit(1);
}

function progress(text: string): void {
  const elapsedS = ((Date.now() - startedAt.getTime()) / 1000).toFixed(0);
  console.error(`bench [${elapsedS.padStart(4)} s] ${text}`);
}

async function prepare(): Promise<
  Partial<Record<SectionName, (round: number) => Promise<unknown>>>
> {
  const has = (name: SectionName) => selected.includes(name);
  const history = has("history")
    ? await timed("seeding history", () => prepareHistory(plan))
    : undefined;
  const drain = has("drain")
    ? await timed("seeding the backlog", () => prepareDrain(plan))
    : undefined;
  const binary = has("footprint")
    ? await timed("finding the binary", findOrBuildBinary)
    : undefined;
  if (history) {
    const seconds = history.seedSeconds.toFixed(1);
    report.notes.push(`history: ${history.rows} rows seeded in ${seconds} s`);
  }
  return {
    limits: async () => {
      await runDeliveryLimit(plan, report);
      await runDurabilityLimit(plan, report);
    },
    peer: () => runPeerBaseline(plan, report),
    e2e: () => runEndToEndRound(plan, report),
    latency: (round) => runLatencyRound(plan, report, round),
    ...(drain ? { drain: () => runDrainRound(plan, report, drain) } : {}),
    fanout: () => runFanOutRound(plan, report),
    ...(history ? { history: () => runHistoryRound(plan, report, history) } : {}),
    retries: () => runRetriesRound(plan, report),
    ...(binary ? { footprint: () => runFootprintRound(plan, report, binary.path) } : {}),
    inbound: () => runInboundRound(plan, report),
  };
}

async function timed<T>(what: string, work: () => Promise<T>): Promise<T> {
  progress(`${what}…`);
  return work();
}

const resultsDir = join(benchDir, "results");
const stamp = startedAt.toISOString().replace(/[:.]/g, "-");
const resultsFile = join(resultsDir, `${stamp}-${plan.quick ? "quick" : "full"}.json`);
const machine = await describeMachine();
const machineLoad = startLoadMeter();

/** Writes the JSON so far; called after every round, so a run that dies keeps its data. */
async function writeResults(): Promise<void> {
  mkdirSync(resultsDir, { recursive: true });
  const durationSeconds = (Date.now() - startedAt.getTime()) / 1000;
  const mode = plan.quick ? "quick" : "full";
  const budget = cpuBudget(report, machine.cores);
  const meta = { mode, startedAt, durationSeconds, machine, load: machineLoad(), plan, budget };
  // JSON has no infinity: a latency of an event that never arrived is written as "inf".
  const json = JSON.stringify(
    reportJson(report, meta),
    (_key, value) => (value === Number.POSITIVE_INFINITY ? "inf" : value),
    2,
  );
  await Bun.write(resultsFile, `${json}\n`);
}

async function runSection(name: string, work: () => Promise<unknown>): Promise<boolean> {
  try {
    await work();
    return true;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    report.notes.push(`FAILED ${name}: ${message}`);
    progress(`${name} failed: ${message}`);
    return false;
  }
}

async function runRounds(sections: Awaited<ReturnType<typeof prepare>>): Promise<number> {
  let failures = 0;
  for (let round = 1; round <= plan.rounds; round++) {
    for (const name of selected) {
      const section = sections[name];
      if (!section) continue;
      progress(`round ${round}/${plan.rounds}: ${name}`);
      if (!(await runSection(`${name} (round ${round})`, () => section(round)))) failures++;
    }
    await writeResults();
  }
  return failures;
}

function printReport(): void {
  const durationSeconds = (Date.now() - startedAt.getTime()) / 1000;
  console.log(
    `hookrelay benchmarks, ${plan.quick ? "quick" : "full"} run, ${startedAt.toISOString()}`,
  );
  console.log(`${machine.summary}; ${plan.rounds} round(s); ${durationSeconds.toFixed(0)} s`);
  const { cpuPressurePercent, loadAvg } = machineLoad();
  const pressure = cpuPressurePercent === null ? "n/a" : `${cpuPressurePercent.toFixed(0)}%`;
  const load = loadAvg.map((l) => l.toFixed(1)).join(" ");
  console.log(`every process shares the same ${machine.cores} cores (no pinning); CPU pressure`);
  console.log(`during the run ${pressure} (PSI some), load average now ${load}\n`);
  console.log(renderTable(report));
  const budget = cpuBudget(report, machine.cores);
  if (budget) console.log(`\n${describeCpuBudget(budget, machine.cores).join("\n")}`);
  if (report.notes.length > 0) {
    console.log(`\nnotes:\n${report.notes.map((n) => `- ${n}`).join("\n")}`);
  }
  console.log(`\nresults: ${resultsFile}`);
}

let failures = 0;
try {
  failures = await runRounds(await prepare());
  if (args.includes("--profile")) {
    progress("profiling scenario 1 (--cpu-prof on the relay)");
    const dir = join(resultsDir, `${stamp}-profile`);
    const ok = await runSection("profile", async () => {
      report.notes.push(await profileEndToEnd(plan, dir));
    });
    if (!ok) failures++;
  }
  await writeResults();
  printReport();
} finally {
  clearTimeout(watchdog);
  killAllChildren();
  removeAllTempDirs();
}
process.exit(failures > 0 ? 1 : 0);
