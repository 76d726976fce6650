/**
 * Collects every figure of a run (one value per repeat), sets each against the issue's
 * targets as a ratio, and renders one table plus the JSON written to bench/results/. The
 * harness asserts nothing: a target missed is a line in the table, not a failure.
 */
import { type Spread, summarizeRepeats } from "./stats.ts";

export type Unit = "/s" | "ms" | "MB" | "events";

/** A target from issue 7: at least `factor` × another figure, or at most / least a value. */
export type Target =
  | { kind: "ratio"; of: string; atLeast: number; label: string }
  | { kind: "atMost"; value: number; label: string };

export interface Figure {
  id: string;
  scenario: string;
  label: string;
  unit: Unit;
  values: number[];
  targets?: Target[];
  /** Why a figure has no values, or what to know when reading it. */
  note?: string;
}

export type FigureSpec = Omit<Figure, "values">;

export interface CoreUse {
  scenario: string;
  /** Average cores used over the measured window, per process ("relay", "sink", …). */
  cores: Record<string, number>;
}

export interface TargetCheck {
  label: string;
  ratio: number;
  met: boolean;
}

export class Report {
  readonly figures: Figure[] = [];
  readonly coreUse: CoreUse[] = [];
  readonly notes: string[] = [];

  /** Adds one repeat's value to a figure, creating it on first use (table order). */
  record(spec: FigureSpec, value: number): void {
    const existing = this.figures.find((f) => f.id === spec.id);
    if (existing) {
      existing.values.push(value);
      if (existing.note?.startsWith("skipped")) delete existing.note;
    } else this.figures.push({ ...spec, values: [value] });
  }

  /** A figure that could not be measured in this run, with the reason, shown once. */
  skip(spec: FigureSpec, reason: string): void {
    if (this.figures.some((f) => f.id === spec.id)) return;
    this.figures.push({ ...spec, values: [], note: `skipped: ${reason}` });
  }

  recordCores(scenario: string, cores: Record<string, number>): void {
    this.coreUse.push({ scenario, cores });
  }

  spreadOf(id: string): Spread | undefined {
    const figure = this.figures.find((f) => f.id === id);
    return figure && figure.values.length > 0 ? summarizeRepeats(figure.values) : undefined;
  }

  checkTargets(figure: Figure): TargetCheck[] {
    const own = summarizeRepeats(figure.values).median;
    return (figure.targets ?? []).map((target) => {
      if (target.kind === "atMost") {
        const ratio = own / target.value;
        return { label: target.label, ratio, met: ratio <= 1 };
      }
      const ratio = own / (this.spreadOf(target.of)?.median ?? Number.NaN);
      return { label: target.label, ratio, met: ratio >= target.atLeast };
    });
  }

  /** Cores used per process, averaged over the repeats of each scenario. */
  averageCores(): CoreUse[] {
    const byScenario = new Map<string, Map<string, number[]>>();
    for (const { scenario, cores } of this.coreUse) {
      const perProcess = byScenario.get(scenario) ?? new Map<string, number[]>();
      for (const [name, value] of Object.entries(cores)) {
        perProcess.set(name, [...(perProcess.get(name) ?? []), value]);
      }
      byScenario.set(scenario, perProcess);
    }
    return [...byScenario].map(([scenario, perProcess]) => ({
      scenario,
      cores: Object.fromEntries(
        [...perProcess].map(([name, values]) => [name, summarizeRepeats(values).median]),
      ),
    }));
  }
}

export function formatValue(value: number, unit: Unit): string {
  if (value === Number.POSITIVE_INFINITY) return "inf";
  if (!Number.isFinite(value)) return "n/a";
  if (unit === "ms") return `${value < 10 ? value.toFixed(2) : value.toFixed(1)} ms`;
  if (unit === "MB") return `${value.toFixed(1)} MB`;
  const rounded = Math.round(value).toLocaleString("en-US");
  return unit === "/s" ? `${rounded}/s` : rounded;
}

function formatTargets(checks: TargetCheck[]): string {
  const describe = (c: TargetCheck) => {
    // No ratio: the figure it compares with was not measured in this run (--only, no Redis).
    if (!Number.isFinite(c.ratio)) return `${c.label}: not measured in this run`;
    return `${c.label}: ${c.ratio.toFixed(2)}x ${c.met ? "met" : "MISSED"}`;
  };
  return checks.map(describe).join("; ");
}

/** The table as aligned plain text (also valid Markdown). */
export function renderTable(report: Report): string {
  const header = ["scenario", "figure", "median", "spread (min-max)", "target: ratio"];
  const rows = report.figures.map((figure) => {
    if (figure.values.length === 0) {
      return [figure.scenario, figure.label, "-", "-", figure.note ?? "no data"];
    }
    const spread = summarizeRepeats(figure.values);
    const relative = Number.isFinite(spread.relativePercent)
      ? `±${spread.relativePercent.toFixed(0)}% `
      : "";
    const range =
      figure.values.length > 1
        ? `${relative}(${formatValue(spread.min, figure.unit)}` +
          ` - ${formatValue(spread.max, figure.unit)})`
        : "1 run";
    return [
      figure.scenario,
      figure.label,
      formatValue(spread.median, figure.unit),
      range,
      formatTargets(report.checkTargets(figure)),
    ];
  });
  const cores = report.averageCores().map(({ scenario, cores }) => [
    scenario,
    "cores used (of 2, shared)",
    Object.entries(cores)
      .map(([name, value]) => `${name} ${value.toFixed(2)}`)
      .join(", "),
    "",
    "",
  ]);
  return renderMarkdown(header, [...rows, ...cores]);
}

function renderMarkdown(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    `| ${cells.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(" | ")} |`;
  const rule = `| ${widths.map((w) => "-".repeat(w)).join(" | ")} |`;
  return [line(header), rule, ...rows.map(line)].join("\n");
}

/** The JSON for bench/results/: figures with their statistics and target checks. */
export function reportJson(report: Report, meta: Record<string, unknown>): unknown {
  return {
    ...meta,
    figures: report.figures.map((figure) => ({
      ...figure,
      ...(figure.values.length > 0 ? summarizeRepeats(figure.values) : {}),
      checks: figure.values.length > 0 ? report.checkTargets(figure) : [],
    })),
    coresUsed: report.averageCores(),
    coresUsedPerRepeat: report.coreUse,
    notes: report.notes,
  };
}
