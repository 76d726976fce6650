/**
 * `--profile`: one more scenario-1 round with Bun's --cpu-prof and the SQL timing preload on
 * the relay, outside the figures (profiling slows what it measures). Writes the profile,
 * sql-timing.json and summary.txt (both read as text) into `dir`.
 */
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { Plan } from "./plan.ts";
import { relayRoot } from "./processes.ts";
import { renderProfileSummary, summarizeProfile } from "./profile-summary.ts";
import { Report } from "./report.ts";
import { runEndToEndRound } from "./scenarios/closed-loop.ts";
import type { SqlTiming } from "./sql-timing-preload.ts";

function renderSqlTiming(rows: SqlTiming[], wallMs: number): string {
  const top = rows.slice(0, 12).map((row) => {
    const totalMs = row.prepareMs + row.executeMs;
    const share = ((totalMs / wallMs) * 100).toFixed(1).padStart(5);
    const perCall = row.calls > 0 ? (row.executeMs / row.calls).toFixed(3) : "-";
    return (
      `  ${share}% of wall  ${totalMs.toFixed(0).padStart(6)} ms (prepare ` +
      `${row.prepareMs.toFixed(0)} ms, ${row.calls} calls, ${perCall} ms/call)  ${row.sql}`
    );
  });
  return ["libSQL calls by statement (blocking the relay's one thread):", ...top].join("\n");
}

/** @returns a note for the report: where the profile is and its top entries. */
export async function profileEndToEnd(plan: Plan, dir: string): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const startedAt = performance.now();
  const result = await runEndToEndRound(plan, new Report(), dir);
  const wallMs = performance.now() - startedAt;
  const file = readdirSync(dir).find((name) => name.endsWith(".cpuprofile"));
  if (!file) return `profile: the relay wrote no profile into ${dir}`;
  const summary = summarizeProfile(await Bun.file(join(dir, file)).json(), relayRoot);
  const timingFile = join(dir, "sql-timing.json");
  const timing = existsSync(timingFile)
    ? renderSqlTiming((await Bun.file(timingFile).json()) as SqlTiming[], wallMs)
    : "no sql-timing.json";
  await Bun.write(join(dir, "summary.txt"), `${renderProfileSummary(summary)}\n\n${timing}\n`);
  const top = summary.topSelf
    .slice(0, 3)
    .map((line) => `${line.name} ${line.percent.toFixed(0)}%`)
    .join(", ");
  return (
    `profile (${result.deliveredPerSecond.toFixed(0)} delivered/s while profiled): ` +
    `${join(dir, "summary.txt")}; top self time: ${top}`
  );
}
