/**
 * A `bun --preload` for the relay under `--profile`: wraps libSQL's synchronous statement
 * calls (prepare, run, all, get) and adds up their wall time per SQL text, because a CPU
 * profile shows that time as one native frame (`Statement::js_run`) with no caller: the
 * client calls it from a promise callback. On exit, writes the totals as JSON to
 * $HOOKRELAY_BENCH_SQL_TIMING_FILE. Only the harness loads it; the relay's code is unchanged.
 */
import { writeFileSync } from "node:fs";
import Database from "libsql";

export interface SqlTiming {
  sql: string;
  calls: number;
  prepareMs: number;
  executeMs: number;
}

const totals = new Map<string, SqlTiming>();
/** The same text comes back on every call: look it up before normalizing it again. */
const bySqlText = new Map<string, SqlTiming>();

/** One key per statement shape: bound-parameter lists of any length look alike. */
function shapeOf(sql: string): string {
  return sql
    .replace(/\s+/g, " ")
    .replace(/\?(, \?)+/g, "?…")
    .replace(/\(\?…\)(, \(\?…\))+/g, "(?…)…")
    .trim()
    .slice(0, 160);
}

function entryFor(sql: string): SqlTiming {
  const known = bySqlText.get(sql);
  if (known) return known;
  const shape = shapeOf(sql);
  let entry = totals.get(shape);
  if (!entry) {
    entry = { sql: shape, calls: 0, prepareMs: 0, executeMs: 0 };
    totals.set(shape, entry);
  }
  if (bySqlText.size < 10_000) bySqlText.set(sql, entry);
  return entry;
}

type Method = (...args: unknown[]) => unknown;
const prototype = Database.prototype as unknown as { prepare: (sql: string) => object };
const prepare = prototype.prepare;
prototype.prepare = function timedPrepare(this: unknown, sql: string) {
  const entry = entryFor(sql);
  const startedAt = performance.now();
  const statement = prepare.call(this, sql) as Record<string, Method>;
  entry.prepareMs += performance.now() - startedAt;
  for (const name of ["run", "all", "get"]) {
    const original = statement[name];
    if (typeof original !== "function") continue;
    statement[name] = (...args: unknown[]) => {
      const begin = performance.now();
      try {
        return original.apply(statement, args);
      } finally {
        entry.calls++;
        entry.executeMs += performance.now() - begin;
      }
    };
  }
  return statement;
};

process.on("exit", () => {
  const file = process.env.HOOKRELAY_BENCH_SQL_TIMING_FILE;
  if (!file) return;
  const rows = [...totals.values()].sort(
    (a, b) => b.prepareMs + b.executeMs - a.prepareMs - a.executeMs,
  );
  writeFileSync(file, JSON.stringify(rows, null, 2));
});
