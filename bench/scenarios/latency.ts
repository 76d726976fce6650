/**
 * Scenario 2, latency: an open-loop publisher starts events at a fixed rate (whatever the
 * relay does; a closed loop would slow down with the relay and hide its queueing), each with
 * a client-given id, and the sink records when each id first arrived. Latency is from the
 * start of the publish request to that arrival, both in the sink's clock.
 *
 * An event not delivered within the wait counts as infinitely late, so a relay that falls
 * behind shows it in p99/max instead of dropping out of the sample. Once a rate saturates
 * the relay (it delivered under 90 % of the offered rate), higher rates are skipped: they
 * would only measure a growing queue, slowly.
 */
import { join } from "node:path";
import type { PublisherConfig, PublisherResult } from "../load/publisher.ts";
import type { Plan } from "../plan.ts";
import { benchDir, makeTempDir, removeTempDir, runScript } from "../processes.ts";
import { benchToken, startRelayProcess } from "../relay/relay-process.ts";
import type { FigureSpec, Report, Target } from "../report.ts";
import { startSink } from "../sink/sink-client.ts";
import { summarizeLatencies } from "../stats.ts";

const scenario = "2 latency";

function figureSpecs(rate: number) {
  const at1000 = rate === 1_000;
  const spec = (metric: string, targets: Target[] = []): FigureSpec => ({
    id: `latency.${rate}.${metric}`,
    scenario,
    label: `${rate.toLocaleString("en-US")}/s publish->arrival ${metric}`,
    unit: "ms",
    ...(at1000 && targets.length > 0 ? { targets } : {}),
  });
  return {
    p50: spec("p50", [{ kind: "atMost", value: 5, label: "<= 5 ms" }]),
    p90: spec("p90"),
    p99: spec("p99", [{ kind: "atMost", value: 25, label: "<= 25 ms" }]),
    max: spec("max"),
    delivered: {
      id: `latency.${rate}.delivered`,
      scenario,
      label: `${rate.toLocaleString("en-US")}/s offered: delivered/s`,
      unit: "/s",
    } satisfies FigureSpec,
  };
}

export async function runLatencyRound(plan: Plan, report: Report, round: number): Promise<void> {
  const dataDir = makeTempDir("latency");
  const sink = await startSink();
  const relay = await startRelayProcess({ dataDir });
  let saturatedAt: number | undefined;
  try {
    await relay.createEndpoint(`${sink.url}/ep0`);
    let deliveredBefore = 0;
    for (const rate of plan.latency.ratesPerSecond) {
      const specs = figureSpecs(rate);
      if (saturatedAt !== undefined) {
        for (const spec of Object.values(specs)) {
          report.skip(spec, `the relay saturated at ${saturatedAt}/s`);
        }
        continue;
      }
      const startTimesFile = join(dataDir, `starts-${rate}.json`);
      const config: PublisherConfig = {
        relayUrl: relay.url,
        token: benchToken,
        sinkUrl: sink.url,
        mode: "open",
        ratePerSecond: rate,
        count: Math.ceil((rate * plan.latency.durationMs) / 1000),
        durationMs: plan.latency.durationMs,
        idPrefix: `lat_${round}_${rate}_`,
        startTimesFile,
      };
      const publisher = await runScript<PublisherResult>(
        `${benchDir}/load/publisher.ts`,
        config,
        plan.latency.durationMs + 60_000,
      );
      const waitMs = Math.min(plan.deliverTimeoutMs, Math.max(10_000, plan.latency.durationMs));
      const stats = await sink.waitForDelivered(deliveredBefore + publisher.accepted, waitMs);
      deliveredBefore = stats.delivered;
      const starts = (await Bun.file(startTimesFile).json()) as Record<string, number>;
      const arrivals = await sink.arrivals();
      let lastArrivalMs = publisher.firstStartMs;
      const latencies = Object.entries(starts).map(([id, startMs]) => {
        const arrivedAt = arrivals.get(`/ep0 ${id}`);
        if (arrivedAt === undefined) return Number.POSITIVE_INFINITY;
        lastArrivalMs = Math.max(lastArrivalMs, arrivedAt);
        return arrivedAt - startMs;
      });
      const summary = summarizeLatencies(latencies);
      report.record(specs.p50, summary.p50Ms);
      report.record(specs.p90, summary.p90Ms);
      report.record(specs.p99, summary.p99Ms);
      report.record(specs.max, summary.maxMs);
      const arrived = latencies.filter(Number.isFinite).length;
      const deliveredPerSecond = arrived / ((lastArrivalMs - publisher.firstStartMs) / 1000);
      report.record(specs.delivered, deliveredPerSecond);
      if (arrived < latencies.length || deliveredPerSecond < 0.9 * rate) saturatedAt = rate;
      if (arrived < latencies.length) {
        report.notes.push(
          `latency ${rate}/s round ${round}: ${latencies.length - arrived} of ` +
            `${latencies.length} events not delivered within ${waitMs} ms (counted as infinite)`,
        );
      }
    }
  } finally {
    await relay.stop();
    await sink.stop();
    removeTempDir(dataDir);
  }
}
