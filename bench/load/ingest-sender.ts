/**
 * The load generator of scenario 8, inbound: plays GitHub POSTing webhooks to a source's
 * public ingest URL `/in/<name>`, in its own process, closed-loop (`concurrency` senders,
 * each sends its next request when the last is answered), until `count` requests or
 * `durationMs`, whichever comes first.
 *
 * Every request is what GitHub sends (docs.github.com, "Validating webhook deliveries"): a
 * 1 KiB JSON body, `X-GitHub-Event`, a fresh `X-GitHub-Delivery` GUID, so the relay's dedupe
 * never answers from its window, and `X-Hub-Signature-256`, the HMAC-SHA256 of that body's
 * bytes made anew per request, so the relay verifies every one. The ids of the events the
 * relay acknowledged (its `hookrelay-event-id` answer header, which is also the `webhook-id`
 * the destination receives) are written to `eventIdsFile`, so arrivals can be matched.
 * Prints its result as one JSON line.
 */
import { createHmac, randomUUID } from "node:crypto";
import { ownCpuSeconds } from "../processes.ts";
import { type LatencySummary, summarizeLatencies } from "../stats.ts";
import { measureClockOffsetMs, wallClockMs } from "../wall-clock.ts";

export interface IngestSenderConfig {
  /** The source's ingest URL, `<relay>/in/<name>`. */
  ingestUrl: string;
  /** The source's GitHub webhook secret; its UTF-8 bytes are the HMAC key, as GitHub's are. */
  secret: string;
  sinkUrl: string;
  count: number;
  durationMs: number;
  concurrency: number;
  eventIdsFile: string;
  /** A request unanswered after this is abandoned and counted as "timeout" (default 20 s). */
  requestTimeoutMs?: number;
}

export interface IngestSenderResult {
  sent: number;
  /** Requests answered 2xx: verified and committed by the relay. */
  verified: number;
  /** 2xx answers that were duplicates (none expected: every delivery id is fresh). */
  duplicates: number;
  rejected: Record<string, number>;
  /** First request start and last 2xx, in the sink's clock. */
  firstStartMs: number;
  lastVerifiedMs: number;
  verifiedPerSecond: number;
  ack: LatencySummary;
  cpuSeconds: number;
}

export const inboundBodyBytes = 1024;
const githubEvent = "push";

const config = JSON.parse(process.argv[2] ?? "{}") as IngestSenderConfig;
const offsetMs = await measureClockOffsetMs(config.sinkUrl);
const sinkNow = () => wallClockMs() + offsetMs;
const encoder = new TextEncoder();

const eventIds: string[] = [];
const ackMs: number[] = [];
const rejected: Record<string, number> = {};
let sent = 0;
let verified = 0;
let duplicates = 0;
let firstStartMs = Number.NaN;
let lastVerifiedMs = Number.NaN;

/** A push-like body, distinct per request, padded to exactly `inboundBodyBytes`. */
function buildBody(index: number, deliveryId: string): Uint8Array {
  const fields = { ref: "refs/heads/main", delivery: deliveryId, seq: index, pad: "" };
  fields.pad = "x".repeat(inboundBodyBytes - JSON.stringify(fields).length);
  return encoder.encode(JSON.stringify(fields));
}

function signedHeaders(body: Uint8Array, deliveryId: string): Record<string, string> {
  const signature = createHmac("sha256", config.secret).update(body).digest("hex");
  return {
    "content-type": "application/json",
    "user-agent": "hookrelay-bench",
    "x-github-event": githubEvent,
    "x-github-delivery": deliveryId,
    "x-hub-signature-256": `sha256=${signature}`,
  };
}

function countRejected(reason: string): void {
  rejected[reason] = (rejected[reason] ?? 0) + 1;
}

async function sendOne(index: number): Promise<void> {
  const deliveryId = randomUUID();
  const body = buildBody(index, deliveryId);
  // Signed before the clock starts: the ack time is the relay's, not this process's HMAC.
  const headers = signedHeaders(body, deliveryId);
  const startedAt = sinkNow();
  if (Number.isNaN(firstStartMs)) firstStartMs = startedAt;
  sent++;
  try {
    const signal = AbortSignal.timeout(config.requestTimeoutMs ?? 20_000);
    const response = await fetch(config.ingestUrl, { method: "POST", headers, body, signal });
    await response.arrayBuffer();
    const endedAt = sinkNow();
    if (!response.ok) return countRejected(String(response.status));
    verified++;
    lastVerifiedMs = endedAt;
    ackMs.push(endedAt - startedAt);
    if (response.headers.get("hookrelay-duplicate") === "true") duplicates++;
    // A 2xx without the id cannot be matched at the sink; it counts as never arrived.
    const eventId = response.headers.get("hookrelay-event-id");
    if (eventId) eventIds.push(eventId);
  } catch (error) {
    countRejected(error instanceof Error && error.name === "TimeoutError" ? "timeout" : "network");
  }
}

async function runClosedLoop(): Promise<void> {
  const deadline = performance.now() + config.durationMs;
  let next = 0;
  const worker = async () => {
    while (next < config.count && performance.now() < deadline) await sendOne(next++);
  };
  await Promise.all(Array.from({ length: config.concurrency }, worker));
}

await runClosedLoop();
await Bun.write(config.eventIdsFile, JSON.stringify(eventIds));
const windowSeconds = (lastVerifiedMs - firstStartMs) / 1000;
const result: IngestSenderResult = {
  sent,
  verified,
  duplicates,
  rejected,
  firstStartMs,
  lastVerifiedMs,
  verifiedPerSecond: windowSeconds > 0 ? verified / windowSeconds : Number.NaN,
  ack: summarizeLatencies(ackMs),
  cpuSeconds: ownCpuSeconds(),
};
console.log(JSON.stringify(result));
