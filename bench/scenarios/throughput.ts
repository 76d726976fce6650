/**
 * One closed-loop throughput run, the shape of scenarios 1, 4, 5 and 6: a sink, a relay with
 * `endpoints` endpoints on that sink, and a publisher process POSTing events at concurrency
 * 64 for a bounded count and time; then a bounded wait until the sink has every delivery.
 *
 * delivered/s counts distinct deliveries answered 2xx, from the first publish request to the
 * last 2xx at the sink; accepted/s counts 202s over the publisher's own window.
 */
import type { PublisherConfig, PublisherResult } from "../load/publisher.ts";
import type { Plan } from "../plan.ts";
import { benchDir, readMemoryStatus, runScript, startCpuMeter } from "../processes.ts";
import { benchToken, startRelayProcess } from "../relay/relay-process.ts";
import { startSink } from "../sink/sink-client.ts";

export interface ThroughputOptions {
  dataDir: string;
  events: number;
  endpoints: number;
  failFraction?: number;
  relayEnv?: Record<string, string>;
  profileDir?: string;
}

export interface ThroughputResult {
  accepted: number;
  acceptedPerSecond: number;
  /** Deliveries expected: accepted events × endpoints. */
  expected: number;
  delivered: number;
  deliveredPerSecond: number;
  sinkRequests: number;
  sinkFailures: number;
  deadLetters: number;
  peakRssBytes: number;
  cores: Record<string, number>;
  publisher: PublisherResult;
}

export async function runThroughput(
  plan: Plan,
  options: ThroughputOptions,
): Promise<ThroughputResult> {
  const sink = await startSink({ failFraction: options.failFraction ?? 0 });
  const relay = await startRelayProcess({
    dataDir: options.dataDir,
    env: options.relayEnv,
    profileDir: options.profileDir,
  });
  try {
    for (let i = 0; i < options.endpoints; i++) await relay.createEndpoint(`${sink.url}/ep${i}`);
    const relayCores = startCpuMeter(relay.pid);
    const sinkCores = startCpuMeter(sink.pid);
    const publishStartedAt = performance.now();
    const config: PublisherConfig = {
      relayUrl: relay.url,
      token: benchToken,
      sinkUrl: sink.url,
      mode: "closed",
      count: options.events,
      concurrency: plan.concurrency,
      durationMs: plan.endToEnd.publishMs,
    };
    const publisher = await runScript<PublisherResult>(
      `${benchDir}/load/publisher.ts`,
      config,
      plan.endToEnd.publishMs + 60_000,
    );
    const publishSeconds = (performance.now() - publishStartedAt) / 1000;
    const expected = publisher.accepted * options.endpoints;
    const stats = await sink.waitForDelivered(expected, plan.deliverTimeoutMs);
    const cores = {
      relay: relayCores(),
      sink: sinkCores(),
      publisher: publisher.cpuSeconds / publishSeconds,
    };
    const { peakRssBytes } = readMemoryStatus(relay.pid);
    const deadLetters = await countDeadLetters(relay.api);
    const windowSeconds = ((stats.lastOkAtMs ?? Number.NaN) - publisher.firstStartMs) / 1000;
    return {
      accepted: publisher.accepted,
      acceptedPerSecond: publisher.acceptedPerSecond ?? Number.NaN,
      expected,
      delivered: stats.delivered,
      deliveredPerSecond: stats.delivered / windowSeconds,
      sinkRequests: stats.requests,
      sinkFailures: stats.failed,
      deadLetters,
      peakRssBytes,
      cores,
      publisher,
    };
  } finally {
    await relay.stop();
    await sink.stop();
  }
}

/** Dead letters the relay reports (first page: up to 250). */
async function countDeadLetters(api: (path: string) => Promise<Response>): Promise<number> {
  const response = await api("/v1/dead-letters?limit=250").catch(() => undefined);
  if (response?.status !== 200) return Number.NaN;
  return ((await response.json()) as { data: unknown[] }).data.length;
}
