/**
 * One round of the baselines every target is a ratio of: the delivery limit, the durability
 * limit and the BullMQ peer (persistence off, and appendonly everysec), each against a fresh
 * sink of its own, at the same concurrency as the relay.
 */
import { join } from "node:path";
import type { Plan } from "../plan.ts";
import { benchDir, makeTempDir, removeTempDir, runScript, startCpuMeter } from "../processes.ts";
import type { FigureSpec, Report } from "../report.ts";
import { startSink } from "../sink/sink-client.ts";
import type { DeliveryLimitConfig, DeliveryLimitResult } from "./delivery-limit.ts";
import type { DurabilityLimitConfig, DurabilityLimitResult } from "./durability-limit.ts";
import { findPeerSetup, type PeerSetup, type RedisPersistence, runPeer } from "./peer.ts";

export const baselineFigures = {
  delivery: {
    id: "limit.delivery",
    scenario: "limit",
    label: "delivery: bare fetch loop, signed 1 KiB, 64 in flight",
    unit: "/s",
  },
  durability: {
    id: "limit.durability",
    scenario: "limit",
    label: "durability: libSQL events+delivery rows, 256/tx, WAL, FULL",
    unit: "/s",
  },
  peerOff: {
    id: "peer.off",
    scenario: "peer",
    label: "BullMQ+Redis delivered/s, persistence off",
    unit: "/s",
  },
  peerEverysec: {
    id: "peer.everysec",
    scenario: "peer",
    label: "BullMQ+Redis delivered/s, appendonly everysec",
    unit: "/s",
  },
} satisfies Record<string, FigureSpec>;

export async function runDeliveryLimit(plan: Plan, report: Report): Promise<void> {
  const sink = await startSink();
  try {
    const sinkCores = startCpuMeter(sink.pid);
    const config: DeliveryLimitConfig = {
      sinkUrl: sink.url,
      count: plan.deliveryLimit.requests,
      concurrency: plan.concurrency,
      durationMs: plan.deliveryLimit.durationMs,
    };
    const result = await runScript<DeliveryLimitResult>(
      `${benchDir}/baselines/delivery-limit.ts`,
      config,
      plan.deliveryLimit.durationMs + 30_000,
    );
    report.record(baselineFigures.delivery, result.perSecond);
    report.recordCores("limit delivery", {
      loader: result.cpuSeconds / result.seconds,
      sink: sinkCores(),
    });
  } finally {
    await sink.stop();
  }
}

export async function runDurabilityLimit(plan: Plan, report: Report): Promise<void> {
  const dir = makeTempDir("durability");
  try {
    const config: DurabilityLimitConfig = {
      databaseFile: join(dir, "limit.db"),
      events: plan.durabilityLimit.events,
      batch: plan.durabilityLimit.batch,
      durationMs: plan.durabilityLimit.durationMs,
    };
    const result = await runScript<DurabilityLimitResult>(
      `${benchDir}/baselines/durability-limit.ts`,
      config,
      plan.durabilityLimit.durationMs + 30_000,
    );
    report.record(baselineFigures.durability, result.eventsPerSecond);
    report.recordCores("limit durability", { writer: result.cpuSeconds / result.seconds });
  } finally {
    removeTempDir(dir);
  }
}

export async function runPeerBaseline(plan: Plan, report: Report): Promise<void> {
  const setup = findPeerSetup();
  const runs: [RedisPersistence, FigureSpec][] = [
    ["off", baselineFigures.peerOff],
    ["everysec", baselineFigures.peerEverysec],
  ];
  if ("skipped" in setup) {
    for (const [, spec] of runs) report.skip(spec, setup.skipped);
    return;
  }
  for (const [persistence, spec] of runs) {
    await runPeerOnce(plan, report, setup, persistence, spec);
  }
}

async function runPeerOnce(
  plan: Plan,
  report: Report,
  setup: PeerSetup,
  persistence: RedisPersistence,
  spec: FigureSpec,
): Promise<void> {
  const sink = await startSink();
  try {
    const sinkCores = startCpuMeter(sink.pid);
    const result = await runPeer(setup, {
      persistence,
      jobs: plan.peer.jobs,
      concurrency: plan.concurrency,
      sinkUrl: sink.url,
    });
    report.record(spec, result.delivered_per_s);
    report.recordCores(`peer ${persistence}`, {
      node: result.cpu_s / result.end_to_end_s,
      redis: result.redisCores,
      sink: sinkCores(),
    });
    if (result.delivered < result.jobs) {
      report.notes.push(`peer ${persistence}: ${result.delivered} of ${result.jobs} delivered`);
    }
  } finally {
    await sink.stop();
  }
}
