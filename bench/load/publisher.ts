/**
 * The load generator: POSTs 1 KiB events to the relay's `/v1/events`, in its own process.
 *
 * - closed loop: `concurrency` publishers, each sends its next event when the last is
 *   answered (throughput at saturation);
 * - open loop: events start at a fixed rate whatever the relay does (latency; a closed loop
 *   would slow down with the relay and hide its queueing delay).
 *
 * Both stop at `count` events or after `durationMs`, whichever comes first. With `idPrefix`
 * every event carries a client-given id, and the start time of each publish request is
 * written to `startTimesFile` in the sink's clock, so arrivals can be matched to it.
 */
import { buildEventPayload, eventType } from "../payload.ts";
import { ownCpuSeconds } from "../processes.ts";
import { summarizeLatencies, type LatencySummary } from "../stats.ts";
import { measureClockOffsetMs, wallClockMs } from "../wall-clock.ts";

export interface PublisherConfig {
  relayUrl: string;
  token: string;
  sinkUrl: string;
  mode: "closed" | "open";
  count: number;
  durationMs: number;
  concurrency?: number;
  ratePerSecond?: number;
  /** Open loop: most requests in flight; a start beyond it is skipped and counted. */
  maxInFlight?: number;
  idPrefix?: string;
  startTimesFile?: string;
  /** A publish unanswered after this is abandoned and counted as "timeout" (default 20 s). */
  requestTimeoutMs?: number;
}

export interface PublisherResult {
  sent: number;
  accepted: number;
  rejected: Record<string, number>;
  skipped: number;
  /** First request start and last 2xx, in the sink's clock. */
  firstStartMs: number;
  lastAcceptedMs: number;
  acceptedPerSecond: number;
  ack: LatencySummary;
  /** Open loop: how late the publisher started a request at worst. */
  maxStartLagMs: number;
  cpuSeconds: number;
}

const config = JSON.parse(process.argv[2] ?? "{}") as PublisherConfig;
const payloadJson = JSON.stringify({ type: eventType, payload: buildEventPayload() });
const headers = { authorization: `Bearer ${config.token}`, "content-type": "application/json" };
const offsetMs = await measureClockOffsetMs(config.sinkUrl);
const sinkNow = () => wallClockMs() + offsetMs;

const startTimes: Record<string, number> = {};
const ackMs: number[] = [];
const rejected: Record<string, number> = {};
let sent = 0;
let accepted = 0;
let skipped = 0;
let firstStartMs = Number.NaN;
let lastAcceptedMs = Number.NaN;
let maxStartLagMs = 0;

function bodyFor(index: number): string {
  if (!config.idPrefix) return payloadJson;
  const id = `${config.idPrefix}${index}`;
  return `{"id":"${id}",${payloadJson.slice(1)}`;
}

async function publishOne(index: number): Promise<void> {
  const body = bodyFor(index);
  const startedAt = sinkNow();
  if (Number.isNaN(firstStartMs)) firstStartMs = startedAt;
  if (config.idPrefix) startTimes[`${config.idPrefix}${index}`] = startedAt;
  sent++;
  try {
    const signal = AbortSignal.timeout(config.requestTimeoutMs ?? 20_000);
    const init = { method: "POST", headers, body, signal };
    const response = await fetch(`${config.relayUrl}/v1/events`, init);
    await response.arrayBuffer();
    const endedAt = sinkNow();
    if (response.status >= 200 && response.status < 300) {
      accepted++;
      lastAcceptedMs = endedAt;
      ackMs.push(endedAt - startedAt);
    } else rejected[response.status] = (rejected[response.status] ?? 0) + 1;
  } catch (error) {
    const reason = error instanceof Error && error.name === "TimeoutError" ? "timeout" : "network";
    rejected[reason] = (rejected[reason] ?? 0) + 1;
  }
}

async function runClosedLoop(): Promise<void> {
  const deadline = performance.now() + config.durationMs;
  let next = 0;
  const worker = async () => {
    while (next < config.count && performance.now() < deadline) await publishOne(next++);
  };
  await Promise.all(Array.from({ length: config.concurrency ?? 64 }, worker));
}

async function runOpenLoop(): Promise<void> {
  const intervalMs = 1000 / (config.ratePerSecond ?? 1000);
  const maxInFlight = config.maxInFlight ?? 4096;
  const inFlight = new Set<Promise<void>>();
  const startedAt = performance.now();
  let next = 0;
  while (next < config.count) {
    const elapsedMs = performance.now() - startedAt;
    if (elapsedMs >= config.durationMs) break;
    const due = Math.min(config.count, Math.floor(elapsedMs / intervalMs) + 1);
    for (; next < due; next++) {
      maxStartLagMs = Math.max(maxStartLagMs, elapsedMs - next * intervalMs);
      if (inFlight.size >= maxInFlight) {
        skipped++;
        continue;
      }
      const request = publishOne(next).finally(() => inFlight.delete(request));
      inFlight.add(request);
    }
    await Bun.sleep(1);
  }
  await Promise.all(inFlight);
}

if (config.mode === "open") await runOpenLoop();
else await runClosedLoop();

if (config.startTimesFile) await Bun.write(config.startTimesFile, JSON.stringify(startTimes));
const windowSeconds = (lastAcceptedMs - firstStartMs) / 1000;
const result: PublisherResult = {
  sent,
  accepted,
  rejected,
  skipped,
  firstStartMs,
  lastAcceptedMs,
  acceptedPerSecond: windowSeconds > 0 ? accepted / windowSeconds : Number.NaN,
  ack: summarizeLatencies(ackMs),
  maxStartLagMs,
  cpuSeconds: ownCpuSeconds(),
};
console.log(JSON.stringify(result));
