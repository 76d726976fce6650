/**
 * Broken receivers beside a healthy one: an endpoint that never answers, one that answers 500
 * forever, one that streams a 100 MB body, one that sends its headers and then trickles a
 * body without end, and one whose TCP server resets every connection.
 * The figures compare the healthy endpoint's publish-to-arrival latency before and after the
 * broken ones join, follow the relay's resident memory while it reads the huge answer, and
 * count what the relay recorded for each broken endpoint.
 */
import type { Socket } from "bun";
import { type Receiver, startReceiver } from "../support/receiver.ts";
import { type Relay, startRelay } from "../support/relay.ts";
import { waitFor } from "../support/wait.ts";
import { type LatencySummary, readRssBytes, summarizeLatencies } from "./fault-kit.ts";

export const hugeBodyBytes = 100 * 1_000_000;
const chunkBytes = 64 * 1024;

export type BrokenKind = "hang" | "error500" | "hugeBody" | "trickle" | "reset";

export interface AttemptTally {
  attempts: number;
  /** `error` of each attempt, or `status <code>` when the receiver answered. */
  outcomes: Record<string, number>;
  longestStoredBodyBytes: number;
  truncated: number;
}

export interface BrokenReceiverFigures {
  events: number;
  baseline: LatencySummary;
  withBroken: LatencySummary;
  rssBaselineBytes: number;
  rssPeakBytes: number;
  /** Bytes the 100 MB receiver managed to hand to its socket, over all its attempts. */
  hugeBodyBytesSent: number;
  /** The most any one request took of the 100 MB before the relay hung up. */
  hugeBodyMostBytesPerRequest: number;
  hugeBodyRequests: number;
  resetConnections: number;
  attemptsByKind: Record<BrokenKind, AttemptTally>;
}

export interface BrokenReceiverOptions {
  /** Events measured in each phase. */
  events: number;
  /** Events sent before measuring, so every broken endpoint has its slots full. */
  warmupEvents?: number;
  attemptTimeout?: string;
}

export async function runBrokenReceivers(
  options: BrokenReceiverOptions,
): Promise<BrokenReceiverFigures> {
  const healthy = startReceiver();
  const hang = startReceiver(() => new Promise<Response>(() => {}));
  const error500 = startReceiver(() => new Response("broken", { status: 500 }));
  const huge = startHugeBodyReceiver();
  const trickle = startTrickleReceiver();
  const reset = startResettingServer();
  const relay = await startRelay({
    env: {
      HOOKRELAY_ATTEMPT_TIMEOUT: options.attemptTimeout ?? "1s",
      HOOKRELAY_LOG_LEVEL: "info",
    },
  });
  try {
    await createEndpoint(relay, healthy.url);
    const baseline = await measureHealthy(relay, healthy, "baseline", options.events);
    const rssBaselineBytes = readRssBytes(relay.process.pid) ?? 0;

    const broken: Record<BrokenKind, string> = {
      hang: await createEndpoint(relay, hang.url),
      error500: await createEndpoint(relay, error500.url),
      hugeBody: await createEndpoint(relay, huge.url),
      trickle: await createEndpoint(relay, trickle.url),
      reset: await createEndpoint(relay, reset.url),
    };
    const sampler = sampleRss(relay.process.pid);
    for (let i = 0; i < (options.warmupEvents ?? 8); i++) await publish(relay, "warmup", i);
    await waitFor("the huge answer to be read", () => huge.requests() > 0, 10_000);
    const withBroken = await measureHealthy(relay, healthy, "broken", options.events);
    await waitFor("an attempt at every broken endpoint", async () => {
      const tallies = await tallyAll(relay, broken);
      return Object.values(tallies).every((t) => t.attempts > 0) && tallies;
    });
    const attemptsByKind = await tallyAll(relay, broken);
    return {
      events: options.events,
      baseline,
      withBroken,
      rssBaselineBytes,
      rssPeakBytes: Math.max(rssBaselineBytes, sampler.stop()),
      hugeBodyBytesSent: huge.bytesSent(),
      hugeBodyMostBytesPerRequest: huge.mostBytesPerRequest(),
      hugeBodyRequests: huge.requests(),
      resetConnections: reset.connections(),
      attemptsByKind,
    };
  } finally {
    await relay.stop();
    for (const receiver of [healthy, hang, error500]) receiver.stop();
    huge.stop();
    trickle.stop();
    reset.stop();
  }
}

async function createEndpoint(relay: Relay, url: string): Promise<string> {
  const endpoint = await relay.json("/v1/endpoints", { method: "POST", json: { url } });
  return endpoint.id as string;
}

async function publish(relay: Relay, phase: string, seq: number): Promise<string> {
  const event = await relay.json("/v1/events", {
    method: "POST",
    json: { type: `latency.${phase}`, payload: { seq } },
  });
  return event.id as string;
}

/** Publishes one event at a time and times each from the publish call to its arrival. */
async function measureHealthy(
  relay: Relay,
  healthy: Receiver,
  phase: string,
  events: number,
): Promise<LatencySummary> {
  const sentAt = new Map<string, number>();
  for (let seq = 0; seq < events; seq++) {
    const before = Date.now();
    sentAt.set(await publish(relay, phase, seq), before);
  }
  const arrivals = await waitFor(
    `${events} ${phase} events at the healthy receiver`,
    () => {
      const found = healthy.requests.filter((r) => sentAt.has(r.headers["webhook-id"] ?? ""));
      return found.length >= events && found;
    },
    20_000,
  );
  return summarizeLatencies(
    arrivals.map((r) => r.receivedAt - (sentAt.get(r.headers["webhook-id"] ?? "") ?? 0)),
  );
}

/** Polls VmRSS every 50 ms (bounded to ten minutes) until stopped; returns the peak. */
function sampleRss(pid: number): { stop(): number } {
  let peak = 0;
  let ticks = 0;
  const timer = setInterval(() => {
    peak = Math.max(peak, readRssBytes(pid) ?? 0);
    if (++ticks > 12_000) clearInterval(timer);
  }, 50);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, readRssBytes(pid) ?? 0);
    },
  };
}

/** Answers 200 with a 100 MB body produced on demand, and counts what it handed over. */
function startHugeBodyReceiver() {
  let sent = 0;
  let requests = 0;
  let most = 0;
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 0,
    async fetch(request) {
      await request.arrayBuffer();
      requests++;
      let remaining = hugeBodyBytes;
      let sentHere = 0;
      const chunk = new Uint8Array(chunkBytes).fill(0x61);
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (remaining <= 0) return controller.close();
          const size = Math.min(chunkBytes, remaining);
          remaining -= size;
          sent += size;
          sentHere += size;
          most = Math.max(most, sentHere);
          controller.enqueue(size === chunkBytes ? chunk : chunk.subarray(0, size));
        },
      });
      return new Response(body, { headers: { "content-type": "text/plain" } });
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}/hooks`,
    bytesSent: () => sent,
    mostBytesPerRequest: () => most,
    requests: () => requests,
    stop: () => server.stop(true),
  };
}

/** Answers 200 at once, then sends one byte of body every 100 ms, never finishing. */
function startTrickleReceiver() {
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 0,
    async fetch(request) {
      await request.arrayBuffer();
      let ticks = 0;
      const body = new ReadableStream<Uint8Array>({
        async pull(controller) {
          // Bounded all the same: ten minutes of trickle, far past any attempt timeout.
          if (++ticks > 6_000) return controller.close();
          // The slowness is the fault under test: one byte per 100 ms, never a whole answer.
          await Bun.sleep(100);
          controller.enqueue(new Uint8Array([0x2e]));
        },
      });
      return new Response(body, { headers: { "content-type": "text/plain" } });
    },
  });
  return { url: `http://127.0.0.1:${server.port}/hooks`, stop: () => server.stop(true) };
}

/** A TCP server that reads the first bytes of a request and then drops the connection. */
function startResettingServer() {
  let connections = 0;
  const server = Bun.listen({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open() {
        connections++;
      },
      data(socket: Socket) {
        socket.terminate();
      },
    },
  });
  return {
    url: `http://127.0.0.1:${server.port}/hooks`,
    connections: () => connections,
    stop: () => server.stop(true),
  };
}

async function tallyAll(
  relay: Relay,
  broken: Record<BrokenKind, string>,
): Promise<Record<BrokenKind, AttemptTally>> {
  const entries = await Promise.all(
    Object.entries(broken).map(async ([kind, id]) => [kind, await tallyAttempts(relay, id)]),
  );
  return Object.fromEntries(entries);
}

async function tallyAttempts(relay: Relay, endpointId: string): Promise<AttemptTally> {
  const tally: AttemptTally = {
    attempts: 0,
    outcomes: {},
    longestStoredBodyBytes: 0,
    truncated: 0,
  };
  const page = await relay.json(`/v1/deliveries?endpointId=${endpointId}&limit=250`);
  for (const { id } of page.data as { id: string }[]) {
    const delivery = await relay.json(`/v1/deliveries/${id}`);
    for (const attempt of delivery.attempts as AttemptRecord[]) {
      tally.attempts++;
      const outcome = attempt.error ?? `status ${attempt.statusCode}`;
      tally.outcomes[outcome] = (tally.outcomes[outcome] ?? 0) + 1;
      const stored = Buffer.byteLength(attempt.responseBody ?? "");
      tally.longestStoredBodyBytes = Math.max(tally.longestStoredBodyBytes, stored);
      if (attempt.responseBodyTruncated) tally.truncated++;
    }
  }
  return tally;
}

interface AttemptRecord {
  statusCode: number | null;
  error: string | null;
  responseBody: string | null;
  responseBodyTruncated: boolean;
}
