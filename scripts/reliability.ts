/**
 * The reliability figures, reproducible by anyone:
 *
 *   bun --no-install scripts/reliability.ts [--quick] [--out <file>] [--seed <n>]
 *
 * Runs the fault suite at full size against the real relay on loopback: the crash-safety
 * load (2,000 events, 20 SIGKILLs), property-based fuzzing of every /v1 route and the ingest
 * route (5,000 inputs), the SSRF spellings against a canary listener, and the broken-receiver
 * latency check. Prints a table, writes the figures as JSON (bench/results/reliability.json
 * by default) and exits 1 if any invariant broke. `--quick` runs the test suite's sizes.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus } from "node:os";
import { dirname, join } from "node:path";
import { parseArgs } from "node:util";
import Table from "cli-table3";
import type fc from "fast-check";
import { runCrashLoad } from "../test/e2e/fault-crash-load.ts";
import { pickSeed } from "../test/e2e/fault-kit.ts";
import { runBrokenReceivers } from "../test/e2e/fault-receivers.ts";
import { runSsrfCanary } from "../test/e2e/fault-ssrf-canary.ts";
import {
  deliveryRequests,
  endpointRequests,
  eventRequests,
  type FuzzRequest,
  sourceRequests,
  strayRequests,
  tokenRequests,
} from "../test/fuzz/fuzz-routes.ts";
import { type FuzzFigures, FuzzSession } from "../test/fuzz/fuzz-session.ts";
import { ingestRequests } from "../test/fuzz/fuzz-ingest.ts";

const defaultOut = join(import.meta.dir, "..", "bench", "results", "reliability.json");
const { values: flags } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    out: { type: "string", default: defaultOut },
    seed: { type: "string" },
  },
});
const scale = flags.quick
  ? { events: 300, kills: 5, fuzzInputs: 600, latencyEvents: 30 }
  : { events: 2_000, kills: 20, fuzzInputs: 5_000, latencyEvents: 100 };
const seed = flags.seed ? Number(flags.seed) : pickSeed();
const progress = (line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`);

type Family = [string, (session: FuzzSession) => fc.Arbitrary<FuzzRequest>];

const families: Family[] = [
  ["/v1/endpoints", (s) => endpointRequests(s.targets)],
  ["/v1/events", (s) => eventRequests(s.targets)],
  ["/v1/deliveries, /v1/dead-letters", (s) => deliveryRequests(s.targets)],
  ["/v1/sources", (s) => sourceRequests(s.targets)],
  ["/v1/tokens", (s) => tokenRequests(s.targets)],
  ["any method, any path", (s) => strayRequests(s.targets)],
  ["POST /in/:name", (s) => ingestRequests(s.ingest)],
];

/** Each family gets a fresh relay, so state one family breaks cannot blur the next. */
async function runFuzz(totalInputs: number) {
  const perFamily = Math.ceil(totalInputs / families.length);
  const total: FuzzFigures = {
    inputs: 0,
    unsendable: 0,
    byStatus: {},
    serverErrors: 0,
    plainHeaderRejections: 0,
    violationCount: 0,
    violations: [],
  };
  for (const [name, family] of families) {
    progress(`fuzz: ${name}, ${perFamily} inputs`);
    const session = await FuzzSession.start();
    try {
      await session.run(family(session), { numRuns: perFamily, seed, assert: false });
      await session.finish();
    } finally {
      await session.stop();
    }
    const f = session.figures;
    total.inputs += f.inputs;
    total.unsendable += f.unsendable;
    total.serverErrors += f.serverErrors;
    total.plainHeaderRejections += f.plainHeaderRejections;
    total.violationCount += f.violationCount;
    for (const [status, n] of Object.entries(f.byStatus)) {
      total.byStatus[status] = (total.byStatus[status] ?? 0) + n;
    }
    total.violations.push(...f.violations.map((v) => `[${name}] ${v}`));
  }
  return { ...total, distinctViolations: summarizeViolations(total.violations) };
}

/** Violations grouped by what broke, where and with which kind of body, most frequent first. */
function summarizeViolations(violations: string[]): { count: number; example: string }[] {
  const groups = new Map<string, { count: number; example: string }>();
  for (const violation of violations) {
    const [what = "", input = ""] = violation.split(" ← ");
    const route = input
      .replace(/^(\S+ \/(?:v1\/(?:endpoints|events|deliveries|sources)|in))\/[^/?\s]+/, "$1/:id")
      .replace(/\?\S*/, "")
      .replace(/, \d+ B\].*$/, "]");
    const key = `${what.replace(/\b(evt|ep|dlv|src)_\w+/g, "$1_…").slice(0, 90)} ← ${route}`;
    const group = groups.get(key) ?? { count: 0, example: violation.slice(0, 300) };
    group.count++;
    groups.set(key, group);
  }
  return [...groups.entries()]
    .sort((a, b) => b[1].count - a[1].count)
    .map(([key, { count, example }]) => ({ count, example: `${key}\n    e.g. ${example}` }));
}

progress(`reliability run, seed ${seed}, ${flags.quick ? "quick" : "full"} size`);
const startedAt = Date.now();
progress(`crash safety: ${scale.events} events, ${scale.kills} SIGKILLs`);
const crash = await runCrashLoad({
  events: scale.events,
  kills: scale.kills,
  seed,
  timeoutMs: 15 * 60_000,
  onProgress: (line) => progress(`crash: ${line}`),
});
const fuzz = await runFuzz(scale.fuzzInputs);
progress("ssrf: spellings against a canary");
const ssrf = await runSsrfCanary();
progress(`broken receivers: ${scale.latencyEvents} events per phase`);
const receivers = await runBrokenReceivers({ events: scale.latencyEvents });

const failures = [
  crash.lost > 0 && `${crash.lost} acknowledged events lost`,
  crash.violations.length > 0 && `${crash.violations.length} crash-safety violations`,
  fuzz.serverErrors > 0 && `${fuzz.serverErrors} 5xx answers to fuzzed input`,
  fuzz.violationCount > 0 && `${fuzz.violationCount} broken invariants under fuzzing`,
  ssrf.canaryConnections > 0 && `${ssrf.canaryConnections} connections reached the canary`,
  ssrf.accepted.length > 0 && `${ssrf.accepted.length} SSRF spellings let through`,
  receivers.withBroken.maxMs >= 2_000 && "a healthy endpoint waited behind broken ones",
].filter((f): f is string => typeof f === "string");

const figures = {
  generatedAt: new Date().toISOString(),
  size: flags.quick ? "quick" : "full",
  seed,
  durationMs: Date.now() - startedAt,
  machine: { cpus: availableParallelism(), cpu: cpus()[0]?.model ?? "", bun: Bun.version },
  crash,
  fuzz: { ...fuzz, violations: fuzz.violations.slice(0, 50) },
  ssrf,
  receivers,
  failures,
};
mkdirSync(dirname(flags.out), { recursive: true });
writeFileSync(flags.out, `${JSON.stringify(figures, null, 2)}\n`);

const table = new Table({ head: ["check", "figure", "value"], style: { head: [], border: [] } });
const latency = (l: { p50Ms: number; maxMs: number }) => `p50 ${l.p50Ms} ms, max ${l.maxMs} ms`;
table.push(
  ["crash safety", "events acknowledged", crash.acknowledged],
  ["", "SIGKILLs", crash.kills],
  ["", "lost", crash.lost],
  ["", "duplicates (at-least-once)", crash.duplicates],
  ["", "invariant violations", crash.violations.length],
  ["bad input", "inputs tried", fuzz.inputs],
  ["", "5xx seen", fuzz.serverErrors],
  ["", "broken invariants (5xx included)", fuzz.violationCount],
  ["", "bare 431 from Bun's parser", fuzz.plainHeaderRejections],
  ["ssrf", "spellings refused", ssrf.refusedAtCreation + ssrf.refusedAtSend],
  ["", "of spellings tried", ssrf.spellings - 1],
  ["", "redirects not followed", ssrf.redirectsNotFollowed],
  ["", "canary connections", ssrf.canaryConnections],
  ["broken receivers", "healthy alone", latency(receivers.baseline)],
  ["", "healthy beside broken", latency(receivers.withBroken)],
  [
    "",
    "relay RSS growth",
    `${((receivers.rssPeakBytes - receivers.rssBaselineBytes) / 2 ** 20).toFixed(1)} MiB`,
  ],
);
console.log(table.toString());
for (const { count, example } of fuzz.distinctViolations.slice(0, 15)) {
  console.log(`${count}× ${example}`);
}
console.log(`figures written to ${flags.out}`);
if (failures.length > 0) {
  console.log(`FAILED: ${failures.join("; ")}`);
  process.exit(1);
}
