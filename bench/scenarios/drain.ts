/**
 * Scenario 3, drain: the relay starts on a database that already holds a backlog of pending
 * deliveries, all due, to one endpoint, and delivers until none is left. delivered/s is
 * measured at the sink, from its first request to its last 2xx; a backlog not emptied
 * within the bound (counted from the relay's spawn) is reported as how far it got. The time
 * from spawn to the first `/readyz` 200 is a figure too: a relay busy with its backlog may
 * be slow to answer.
 */
import type { Plan } from "../plan.ts";
import { findFreePort, readMemoryStatus, removeTempDir, startCpuMeter } from "../processes.ts";
import {
  copyDatabaseTemplate,
  type DatabaseTemplate,
  prepareDatabaseTemplate,
} from "../relay/database-template.ts";
import { startRelayProcess } from "../relay/relay-process.ts";
import type { FigureSpec, Report } from "../report.ts";
import { startSink } from "../sink/sink-client.ts";

const scenario = "3 drain";

export const drainFigures = {
  delivered: { id: "drain.delivered", scenario, label: "delivered/s until empty", unit: "/s" },
  ready: {
    id: "drain.readyMs",
    scenario,
    label: "start to /readyz 200 with the backlog",
    unit: "ms",
  },
  peakRss: { id: "drain.peakRss", scenario, label: "relay peak RSS", unit: "MB" },
} satisfies Record<string, FigureSpec>;

export interface DrainSetup {
  template: DatabaseTemplate;
  sinkPort: number;
}

/** Seeds the backlog once, pointing its endpoint at a sink port chosen now. */
export async function prepareDrain(plan: Plan): Promise<DrainSetup> {
  const sinkPort = findFreePort();
  const template = await prepareDatabaseTemplate({
    kind: "backlog",
    events: plan.drain.backlog,
    endpointUrl: `http://127.0.0.1:${sinkPort}/ep0`,
  });
  return { template, sinkPort };
}

export async function runDrainRound(plan: Plan, report: Report, setup: DrainSetup) {
  const dataDir = copyDatabaseTemplate(setup.template);
  const sink = await startSink({ port: setup.sinkPort });
  const sinkCores = startCpuMeter(sink.pid);
  // The relay delivers from its first moment; readiness is a figure here, not a gate.
  const spawnedAt = performance.now();
  const relay = await startRelayProcess({
    dataDir,
    readyTimeoutMs: plan.drain.timeoutMs,
    allowUnready: true,
  });
  try {
    const relayCores = startCpuMeter(relay.pid);
    const backlog = plan.drain.backlog;
    const leftMs = Math.max(5_000, plan.drain.timeoutMs - (performance.now() - spawnedAt));
    const stats = await sink.waitForDelivered(backlog, leftMs);
    report.record(drainFigures.ready, relay.startupMs);
    report.recordCores(scenario, { relay: relayCores(), sink: sinkCores() });
    const windowMs = (stats.lastOkAtMs ?? Number.NaN) - (stats.firstRequestAtMs ?? 0);
    const windowSeconds = windowMs / 1000;
    report.record(drainFigures.delivered, (stats.delivered - 1) / windowSeconds);
    report.record(drainFigures.peakRss, readMemoryStatus(relay.pid).peakRssBytes / 1e6);
    if (stats.delivered < backlog) {
      const readiness = Number.isFinite(relay.startupMs) ? "" : "; /readyz never answered 200";
      report.notes.push(
        `drain: ${stats.delivered} of ${backlog} delivered within about ` +
          `${plan.drain.timeoutMs} ms of the relay's start${readiness}`,
      );
    }
  } finally {
    await relay.stop();
    await sink.stop();
    removeTempDir(dataDir);
  }
}
