/**
 * The closed-loop scenarios, each one round of `runThroughput`:
 * 1 end-to-end (one endpoint, empty database), 4 fan-out (one event to 10 endpoints),
 * 5 history (scenario 1 on a database holding three weeks of finished work), and 6 retries
 * (20 % of the sink's answers are 503; every event must still arrive).
 */
import type { Plan } from "../plan.ts";
import { makeTempDir, removeTempDir } from "../processes.ts";
import {
  copyDatabaseTemplate,
  type DatabaseTemplate,
  prepareDatabaseTemplate,
} from "../relay/database-template.ts";
import type { FigureSpec, Report } from "../report.ts";
import { runThroughput, type ThroughputOptions, type ThroughputResult } from "./throughput.ts";

const e2e = "1 end-to-end";
export const endToEndFigures = {
  delivered: {
    id: "e2e.delivered",
    scenario: e2e,
    label: "delivered/s (publish 64 in flight)",
    unit: "/s",
    targets: [
      { kind: "ratio", of: "limit.delivery", atLeast: 0.5, label: ">= 0.5x delivery limit" },
      { kind: "ratio", of: "peer.everysec", atLeast: 3, label: ">= 3x peer (everysec)" },
    ],
  },
  accepted: {
    id: "e2e.accepted",
    scenario: e2e,
    label: "accepted/s (202s)",
    unit: "/s",
    targets: [
      { kind: "ratio", of: "limit.durability", atLeast: 0.7, label: ">= 0.7x durability limit" },
    ],
  },
  ackP99: {
    id: "e2e.ackP99",
    scenario: e2e,
    label: "publish ack p99 (at saturation)",
    unit: "ms",
  },
  peakRss: {
    id: "e2e.peakRss",
    scenario: e2e,
    label: "relay peak RSS (VmHWM)",
    unit: "MB",
    targets: [{ kind: "atMost", value: 200, label: "<= 200 MB" }],
  },
} satisfies Record<string, FigureSpec>;

const fanOut = "4 fan-out";
export const fanOutFigures = {
  deliveries: {
    id: "fanout.deliveries",
    scenario: fanOut,
    label: "deliveries/s (10 endpoints)",
    unit: "/s",
  },
  events: { id: "fanout.events", scenario: fanOut, label: "events fanned out/s", unit: "/s" },
} satisfies Record<string, FigureSpec>;

const history = "5 history";
export const historyFigures = {
  delivered: {
    id: "history.delivered",
    scenario: history,
    label: "delivered/s with old rows",
    unit: "/s",
    targets: [{ kind: "ratio", of: "e2e.delivered", atLeast: 0.8, label: ">= 0.8x empty db" }],
  },
  accepted: {
    id: "history.accepted",
    scenario: history,
    label: "accepted/s with old rows",
    unit: "/s",
    targets: [{ kind: "ratio", of: "e2e.accepted", atLeast: 0.8, label: ">= 0.8x empty db" }],
  },
} satisfies Record<string, FigureSpec>;

const retries = "6 retries";
export const retryFigures = {
  delivered: {
    id: "retries.delivered",
    scenario: retries,
    label: "delivered/s, 20% answered 503",
    unit: "/s",
  },
  missing: {
    id: "retries.missing",
    scenario: retries,
    label: "events never delivered",
    unit: "events",
  },
} satisfies Record<string, FigureSpec>;

/** Short retries, 13 attempts: all 13 failing at 20 % is a 1-in-a-billion event. */
const fastRetrySchedule = "50ms,100ms,200ms,400ms,800ms,1s,1s,1s,1s,1s,1s,1s";

async function inFreshDir(
  plan: Plan,
  options: Omit<ThroughputOptions, "dataDir">,
  dataDir = makeTempDir("data"),
): Promise<ThroughputResult> {
  try {
    return await runThroughput(plan, { ...options, dataDir });
  } finally {
    removeTempDir(dataDir);
  }
}

function recordShortfall(report: Report, name: string, result: ThroughputResult): void {
  if (result.delivered < result.expected) {
    report.notes.push(`${name}: ${result.delivered} of ${result.expected} deliveries arrived`);
  }
  const rejected = Object.entries(result.publisher.rejected);
  if (rejected.length > 0)
    report.notes.push(`${name}: publishes rejected ${JSON.stringify(rejected)}`);
}

export async function runEndToEndRound(plan: Plan, report: Report, profileDir?: string) {
  const result = await inFreshDir(plan, {
    events: plan.endToEnd.events,
    endpoints: 1,
    ...(profileDir ? { profileDir } : {}),
  });
  if (profileDir) return result;
  report.record(endToEndFigures.delivered, result.deliveredPerSecond);
  report.record(endToEndFigures.accepted, result.acceptedPerSecond);
  report.record(endToEndFigures.ackP99, result.publisher.ack.p99Ms);
  report.record(endToEndFigures.peakRss, result.peakRssBytes / 1e6);
  report.recordCores(e2e, result.cores);
  recordShortfall(report, "end-to-end", result);
  return result;
}

export async function runFanOutRound(plan: Plan, report: Report): Promise<void> {
  const endpoints = plan.fanOut.endpoints;
  const result = await inFreshDir(plan, { events: plan.fanOut.events, endpoints });
  report.record(fanOutFigures.deliveries, result.deliveredPerSecond);
  report.record(fanOutFigures.events, result.deliveredPerSecond / endpoints);
  report.recordCores(fanOut, result.cores);
  recordShortfall(report, "fan-out", result);
}

export function prepareHistory(plan: Plan): Promise<DatabaseTemplate> {
  return prepareDatabaseTemplate({
    kind: "history",
    events: plan.history.oldEvents,
    endpointUrl: "http://127.0.0.1:9/retired",
  });
}

export async function runHistoryRound(plan: Plan, report: Report, template: DatabaseTemplate) {
  const dataDir = copyDatabaseTemplate(template);
  const result = await inFreshDir(plan, { events: plan.endToEnd.events, endpoints: 1 }, dataDir);
  report.record(historyFigures.delivered, result.deliveredPerSecond);
  report.record(historyFigures.accepted, result.acceptedPerSecond);
  report.recordCores(history, result.cores);
  recordShortfall(report, "history", result);
}

export async function runRetriesRound(plan: Plan, report: Report): Promise<void> {
  const result = await inFreshDir(plan, {
    events: plan.retries.events,
    endpoints: 1,
    failFraction: plan.retries.failFraction,
    relayEnv: { HOOKRELAY_RETRY_SCHEDULE: fastRetrySchedule },
  });
  report.record(retryFigures.delivered, result.deliveredPerSecond);
  report.record(retryFigures.missing, result.expected - result.delivered);
  report.recordCores(retries, result.cores);
  recordShortfall(report, "retries", result);
  if (result.deadLetters > 0) report.notes.push(`retries: ${result.deadLetters} dead letters`);
}
