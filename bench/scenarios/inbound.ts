/**
 * Scenario 8, inbound: the relay as the public receiver of third-party webhooks. A source
 * with the `github` verifier (`X-Hub-Signature-256`) and one inline destination on the sink;
 * a sender process POSTs signed 1 KiB bodies to `/in/<name>` at 64 in flight for a bounded
 * count and time, then a bounded wait until the sink has every acknowledged event.
 *
 * verified/s counts 2xx answers over the sender's own window (each one verified, committed
 * and acknowledged); forwarded/s counts acknowledged events that reached the sink, from the
 * first ingest request to the last of those arrivals. An acknowledged event the sink never
 * saw within the wait is counted: the 2xx promised it durably.
 */
import { join } from "node:path";
import type { IngestSenderConfig, IngestSenderResult } from "../load/ingest-sender.ts";
import type { Plan } from "../plan.ts";
import { benchDir, makeTempDir, removeTempDir, runScript, startCpuMeter } from "../processes.ts";
import { type RelayProcess, startRelayProcess } from "../relay/relay-process.ts";
import type { FigureSpec, Report } from "../report.ts";
import { startSink } from "../sink/sink-client.ts";

const scenario = "8 inbound";

export const inboundFigures = {
  verified: {
    id: "inbound.verified",
    scenario,
    label: "verified ingest req/s (64 in flight)",
    unit: "/s",
  },
  ackP50: { id: "inbound.ackP50", scenario, label: "ingest ack p50 (at saturation)", unit: "ms" },
  ackP99: { id: "inbound.ackP99", scenario, label: "ingest ack p99 (at saturation)", unit: "ms" },
  forwarded: {
    id: "inbound.forwarded",
    scenario,
    label: "forwarded/s arriving at the sink",
    unit: "/s",
  },
  missing: {
    id: "inbound.missing",
    scenario,
    label: "acknowledged, never arrived",
    unit: "events",
  },
} satisfies Record<string, FigureSpec>;

const sourceName = "bench-github";
/** A GitHub webhook secret is any string; the benchmark needs no secrecy, only the cost. */
const githubSecret = "bench-github-secret-0123456789abcdef";
const destinationPath = "/in0";

async function createGithubSource(relay: RelayProcess, destinationUrl: string): Promise<void> {
  const response = await relay.api("/v1/sources", {
    json: {
      name: sourceName,
      verifier: { scheme: "github", secrets: [githubSecret] },
      destinations: [{ url: destinationUrl }],
    },
  });
  if (response.status !== 201) {
    throw new Error(`creating the source: ${response.status} ${await response.text()}`);
  }
}

/**
 * One forged request first: a relay that let it through would not be verifying, and its
 * figures would measure something else than scenario 8 is about.
 */
async function assertForgeryRefused(relay: RelayProcess): Promise<void> {
  const response = await fetch(`${relay.url}/in/${sourceName}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-github-event": "push",
      "x-github-delivery": crypto.randomUUID(),
      "x-hub-signature-256": `sha256=${"0".repeat(64)}`,
    },
    body: '{"ref":"refs/heads/main"}',
    signal: AbortSignal.timeout(10_000),
  });
  await response.arrayBuffer();
  if (response.status !== 401) {
    throw new Error(`the source answered a forged request ${response.status}, not 401`);
  }
}

/** Acknowledged events found at the sink, and the last of their arrivals (sink clock). */
function matchArrivals(eventIds: readonly string[], arrivals: Map<string, number>) {
  let arrived = 0;
  let lastArrivalMs = Number.NaN;
  for (const id of eventIds) {
    const at = arrivals.get(`${destinationPath} ${id}`);
    if (at === undefined) continue;
    arrived++;
    lastArrivalMs = Number.isNaN(lastArrivalMs) ? at : Math.max(lastArrivalMs, at);
  }
  return { arrived, lastArrivalMs };
}

function noteShortfall(
  report: Report,
  sender: IngestSenderResult,
  missing: number,
  waitMs: number,
): void {
  const rejected = Object.entries(sender.rejected);
  if (rejected.length > 0) {
    report.notes.push(`inbound: requests refused or lost ${JSON.stringify(rejected)}`);
  }
  if (sender.duplicates > 0) {
    report.notes.push(`inbound: ${sender.duplicates} answered as duplicates (fresh ids sent)`);
  }
  if (missing > 0) {
    report.notes.push(
      `inbound: ${missing} of ${sender.verified} acknowledged events not at the sink ` +
        `within ${waitMs} ms`,
    );
  }
}

/** Runs the sender to its end; returns its result and how long it ran, in seconds. */
async function sendSignedRequests(plan: Plan, relay: RelayProcess, sinkUrl: string, dir: string) {
  const startedAt = performance.now();
  const config: IngestSenderConfig = {
    ingestUrl: `${relay.url}/in/${sourceName}`,
    secret: githubSecret,
    sinkUrl,
    count: plan.inbound.requests,
    durationMs: plan.inbound.sendMs,
    concurrency: plan.concurrency,
    eventIdsFile: join(dir, "acknowledged.json"),
  };
  const sender = await runScript<IngestSenderResult>(
    `${benchDir}/load/ingest-sender.ts`,
    config,
    plan.inbound.sendMs + 60_000,
  );
  const eventIds = (await Bun.file(config.eventIdsFile).json()) as string[];
  return { sender, eventIds, seconds: (performance.now() - startedAt) / 1000 };
}

export async function runInboundRound(plan: Plan, report: Report): Promise<void> {
  const dataDir = makeTempDir("inbound");
  const sink = await startSink();
  const relay = await startRelayProcess({ dataDir });
  try {
    await createGithubSource(relay, `${sink.url}${destinationPath}`);
    await assertForgeryRefused(relay);
    const relayCores = startCpuMeter(relay.pid);
    const sinkCores = startCpuMeter(sink.pid);
    const { sender, eventIds, seconds } = await sendSignedRequests(plan, relay, sink.url, dataDir);
    await sink.waitForDelivered(sender.verified, plan.deliverTimeoutMs);
    report.recordCores(scenario, {
      relay: relayCores(),
      sink: sinkCores(),
      sender: sender.cpuSeconds / seconds,
    });
    const { arrived, lastArrivalMs } = matchArrivals(eventIds, await sink.arrivals());
    const forwardSeconds = (lastArrivalMs - sender.firstStartMs) / 1000;
    report.record(inboundFigures.verified, sender.verifiedPerSecond);
    report.record(inboundFigures.ackP50, sender.ack.p50Ms);
    report.record(inboundFigures.ackP99, sender.ack.p99Ms);
    report.record(inboundFigures.forwarded, arrived / forwardSeconds);
    report.record(inboundFigures.missing, sender.verified - arrived);
    noteShortfall(report, sender, sender.verified - arrived, plan.deliverTimeoutMs);
  } finally {
    await relay.stop();
    await sink.stop();
    removeTempDir(dataDir);
  }
}
