/**
 * The CPU a relay would need at the throughput targets if it did nothing but the
 * bare operations the baselines time, priced from this run's own loops: a fetch loop's CPU
 * per request sent, its sink's per request received, the durability loop's per event
 * committed. On a machine whose cores are all shared by the publisher, the relay and the
 * sink, this says whether a target is within reach at all before any relay logic is added.
 */
import type { CoreUse, Report } from "./report.ts";

export interface CpuBudget {
  /** CPU microseconds per item, from the limit loops. */
  sendMicros: number;
  receiveMicros: number;
  commitMicros: number;
  /** Publisher sends, relay receives, commits, sends, sink receives: per event. */
  bareMicros: number;
  atTargets: BudgetAtTarget[];
  /** Scenario 1 as measured: CPU per delivered event, per process and in all. */
  measured?: { perProcess: Record<string, number>; totalMicros: number };
}

export interface BudgetAtTarget {
  label: string;
  rate: number;
  /** The bare work counted at this target, and its CPU per event. */
  work: string;
  micros: number;
  cores: number;
  /** What each event could spend on everything else if every core were used. */
  leftMicros: number;
}

export function cpuBudget(report: Report, machineCores: number): CpuBudget | undefined {
  const cores = new Map(report.averageCores().map((c) => [c.scenario, c.cores]));
  const deliveryLimit = report.spreadOf("limit.delivery")?.median;
  const durabilityLimit = report.spreadOf("limit.durability")?.median;
  const sending = cores.get("limit delivery");
  const committing = cores.get("limit durability");
  if (!deliveryLimit || !durabilityLimit || !sending || !committing) return undefined;
  const micros = (coresUsed: number | undefined, rate: number) =>
    ((coresUsed ?? Number.NaN) / rate) * 1e6;
  const sendMicros = micros(sending.loader, deliveryLimit);
  const receiveMicros = micros(sending.sink, deliveryLimit);
  const commitMicros = micros(committing.writer, durabilityLimit);
  const bareMicros = 2 * sendMicros + 2 * receiveMicros + commitMicros;
  const delivered = "delivered/s";
  const targets = [{ label: `${delivered} at 0.5x the delivery limit`, rate: 0.5 * deliveryLimit }];
  const peer = report.spreadOf("peer.everysec")?.median;
  if (peer) targets.push({ label: `${delivered} at 3x the peer (everysec)`, rate: 3 * peer });
  const atTargets: BudgetAtTarget[] = targets.map(({ label, rate }) =>
    priced(label, rate, "all five", bareMicros, machineCores),
  );
  // Accepting alone: the publisher's send, the relay's receive and the commit; the sends
  // can lag behind for the scenario's 15 s, so they are left out in the relay's favour.
  const acceptMicros = sendMicros + receiveMicros + commitMicros;
  atTargets.push(
    priced(
      "accepted/s at 0.7x the durability limit",
      0.7 * durabilityLimit,
      "the first three",
      acceptMicros,
      machineCores,
    ),
  );
  return { sendMicros, receiveMicros, commitMicros, bareMicros, atTargets, ...measured(report) };
}

function priced(
  label: string,
  rate: number,
  work: string,
  micros: number,
  machineCores: number,
): BudgetAtTarget {
  const cores = (rate * micros) / 1e6;
  return { label, rate, work, micros, cores, leftMicros: (machineCores * 1e6) / rate - micros };
}

function measured(report: Report): Pick<CpuBudget, "measured"> {
  const delivered = report.spreadOf("e2e.delivered")?.median;
  const use: CoreUse | undefined = report.averageCores().find((c) => c.scenario === "1 end-to-end");
  if (!delivered || !use) return {};
  const perProcess = Object.fromEntries(
    Object.entries(use.cores).map(([name, c]) => [name, (c / delivered) * 1e6]),
  );
  const totalMicros = Object.values(perProcess).reduce((sum, m) => sum + m, 0);
  return { measured: { perProcess, totalMicros } };
}

export function describeCpuBudget(budget: CpuBudget, machineCores: number): string[] {
  const us = (m: number) => `${Math.round(m)} µs`;
  const lines = [
    `CPU per item, from this run's limit loops: send ${us(budget.sendMicros)} (the fetch ` +
      `loop), receive ${us(budget.receiveMicros)} (its sink), commit ` +
      `${us(budget.commitMicros)} (the durability loop).`,
    `A relay doing only the bare work (the publisher's send, its own receive, the commit, ` +
      `its own send, the sink's receive) costs ${us(budget.bareMicros)} of CPU per event.`,
    "At the issue's throughput targets:",
  ];
  for (const target of budget.atTargets) {
    const left =
      target.leftMicros > 0
        ? `leaving ${us(target.leftMicros)} per event for all the relay's other work`
        : "more than the machine has, before any other work";
    lines.push(
      `- ${target.label} (${Math.round(target.rate).toLocaleString("en-US")}/s), ` +
        `${target.work} (${us(target.micros)}): ${target.cores.toFixed(2)} of ` +
        `${machineCores} cores, ${left}`,
    );
  }
  if (budget.measured) {
    const parts = Object.entries(budget.measured.perProcess)
      .map(([name, m]) => `${name} ${us(m)}`)
      .join(", ");
    lines.push(
      `Scenario 1 as measured: ${us(budget.measured.totalMicros)} per delivered event (${parts}).`,
    );
  }
  return lines;
}
