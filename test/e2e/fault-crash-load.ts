/**
 * The crash-safety load: publishers send `events` events concurrently while the relay is
 * killed with SIGKILL `kills` times at random moments and restarted on the same data
 * directory. A publish cut off by a kill is sent again with the same Idempotency-Key, so every
 * event is acknowledged in the end, exactly once as far as its id goes. The receiver records
 * every arrival; the figures say what was lost and duplicated and which invariants broke.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Webhook } from "standardwebhooks";
import { type ReceivedRequest, startReceiver } from "../support/receiver.ts";
import { type Relay, startRelay } from "../support/relay.ts";
import { waitFor } from "../support/wait.ts";
import { seededRandom } from "./fault-kit.ts";

export interface CrashLoadOptions {
  events: number;
  kills: number;
  seed: number;
  /** Publishes in flight at once. */
  concurrency?: number;
  /** Bound on the whole run, publishing and draining. */
  timeoutMs?: number;
  onProgress?: (line: string) => void;
}

export interface CrashLoadFigures {
  seed: number;
  events: number;
  kills: number;
  acknowledged: number;
  delivered: number;
  lost: number;
  /** Arrivals beyond the first for an event: at-least-once redeliveries after a kill. */
  duplicates: number;
  arrivals: number;
  /** Publishes that failed (cut off by a kill, or a 5xx) and were sent again. */
  publishRetries: number;
  /** Broken invariants: a second webhook-id or body for one event, a bad signature, … */
  violations: string[];
  durationMs: number;
}

// The receiver answers at once; a short attempt timeout is not needed, but retries should be
// quick so a delivery cut off by a kill goes out again soon after the restart.
const relayEnv = { HOOKRELAY_RETRY_SCHEDULE: "100ms,200ms,400ms,800ms,1s,2s,5s" };

/** The relay of the moment: replaced by a fresh process on the same data dir at each kill. */
class RelayLifecycle {
  relay: Relay;
  readonly #dataDir: string;
  #restarting: Promise<void> | undefined;

  constructor(relay: Relay, dataDir: string) {
    this.relay = relay;
    this.#dataDir = dataDir;
  }

  /** Waits out a restart in progress, then gives the relay that is up. */
  async ready(): Promise<Relay> {
    while (this.#restarting) await this.#restarting;
    return this.relay;
  }

  async killAndRestart(): Promise<void> {
    const restart = async () => {
      await this.relay.kill("SIGKILL");
      this.relay = await startRelay({ dataDir: this.#dataDir, env: relayEnv });
    };
    this.#restarting = restart();
    try {
      await this.#restarting;
    } finally {
      this.#restarting = undefined;
    }
  }
}

export async function runCrashLoad(options: CrashLoadOptions): Promise<CrashLoadFigures> {
  const startedAt = Date.now();
  const timeoutMs = options.timeoutMs ?? 120_000;
  const deadline = startedAt + timeoutMs;
  const random = seededRandom(options.seed);
  const dataDir = mkdtempSync(join(tmpdir(), "hookrelay-fault-crash-"));
  const receiver = startReceiver();
  const life = new RelayLifecycle(await startRelay({ dataDir, env: relayEnv }), dataDir);
  try {
    const endpoint = await life.relay.json("/v1/endpoints", {
      method: "POST",
      json: { url: receiver.url },
    });
    const state = newLoadState(options.events);
    const publishing = publishAll(life, state, options.concurrency ?? 16, deadline);
    const killing = killAtRandomMoments(life, state, receiver.requests, options, random, deadline);
    await Promise.all([publishing, killing]);
    options.onProgress?.(`all ${state.idBySeq.size} events acknowledged; draining`);
    const acked = new Set(state.idBySeq.values());
    await waitFor(
      "every acknowledged event to arrive",
      () => countDelivered(receiver.requests, acked) === acked.size,
      Math.max(1_000, deadline - Date.now()),
    ).catch(() => undefined);
    const delivered = countDelivered(receiver.requests, acked);
    const ackedArrivals = receiver.requests.filter((r) => acked.has(webhookId(r)));
    return {
      seed: options.seed,
      events: options.events,
      kills: state.kills,
      acknowledged: acked.size,
      delivered,
      lost: acked.size - delivered,
      duplicates: ackedArrivals.length - delivered,
      arrivals: receiver.requests.length,
      publishRetries: state.publishRetries,
      violations: [
        ...state.violations,
        ...checkCopies(endpoint.secret, receiver.requests, state.idBySeq),
      ],
      durationMs: Date.now() - startedAt,
    };
  } finally {
    await life.relay.stop();
    receiver.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

interface LoadState {
  queue: number[];
  idBySeq: Map<number, string>;
  kills: number;
  publishRetries: number;
  violations: string[];
}

function newLoadState(events: number): LoadState {
  const queue = Array.from({ length: events }, (_, seq) => events - 1 - seq);
  return { queue, idBySeq: new Map(), kills: 0, publishRetries: 0, violations: [] };
}

async function publishAll(
  life: RelayLifecycle,
  state: LoadState,
  workers: number,
  deadline: number,
) {
  // Bounded in time and in count: a relay that never acknowledges cannot spin this forever.
  const maxSends = 50 * (state.queue.length + 1);
  const worker = async () => {
    while (state.queue.length > 0 && Date.now() < deadline && state.publishRetries < maxSends) {
      const seq = state.queue.pop() as number;
      if (!(await publishOnce(life, state, seq))) {
        state.publishRetries++;
        state.queue.unshift(seq);
      }
    }
  };
  await Promise.all(Array.from({ length: workers }, worker));
  if (state.queue.length > 0) state.violations.push(`${state.queue.length} never acknowledged`);
}

/** @returns true once the relay acknowledged the event. */
async function publishOnce(life: RelayLifecycle, state: LoadState, seq: number) {
  const relay = await life.ready();
  let response: Response;
  try {
    response = await relay.api("/v1/events", {
      method: "POST",
      headers: { "idempotency-key": `crash-load-${seq}` },
      json: { type: "load.tick", payload: { seq } },
    });
  } catch {
    // Cut off by a kill: stored or not, only a 2xx is a promise. Sent again after the restart.
    return false;
  }
  const text = await response.text().catch(() => "");
  if (response.status !== 202) {
    if (response.status < 500) state.violations.push(`publish ${seq}: ${response.status} ${text}`);
    return false;
  }
  const id = (JSON.parse(text) as { id: string }).id;
  const known = state.idBySeq.get(seq);
  if (known !== undefined && known !== id) {
    state.violations.push(`event ${seq} acknowledged as ${known} and as ${id}`);
  }
  state.idBySeq.set(seq, id);
  return true;
}

/**
 * Kill moments are random points on a progress scale of 0..2N: events acknowledged plus
 * events delivered, so kills land while publishing, while draining, and in between.
 */
async function killAtRandomMoments(
  life: RelayLifecycle,
  state: LoadState,
  arrivals: ReceivedRequest[],
  options: CrashLoadOptions,
  random: () => number,
  deadline: number,
) {
  const span = 2 * options.events;
  // Every moment lies below the full span, which is reached once the last event arrives.
  const moments = Array.from({ length: options.kills }, () => Math.floor(random() * span));
  moments.sort((a, b) => a - b);
  for (const moment of moments) {
    const reached = await waitFor(
      `progress ${moment} of ${span}`,
      () => progress(state, arrivals) >= moment,
      Math.max(1_000, deadline - Date.now()),
    ).catch(() => false);
    if (!reached) break;
    await life.killAndRestart();
    state.kills++;
    options.onProgress?.(`kill ${state.kills}/${options.kills} at progress ${moment}/${span}`);
  }
}

function progress(state: LoadState, arrivals: ReceivedRequest[]): number {
  return state.idBySeq.size + new Set(arrivals.map(webhookId)).size;
}

function webhookId(request: ReceivedRequest): string {
  return request.headers["webhook-id"] ?? "";
}

function countDelivered(arrivals: ReceivedRequest[], acked: Set<string>): number {
  return new Set(arrivals.map(webhookId).filter((id) => acked.has(id))).size;
}

/** Every copy of an event: its acknowledged webhook-id, one body, a valid signature. */
function checkCopies(
  secret: string,
  arrivals: ReceivedRequest[],
  idBySeq: Map<number, string>,
): string[] {
  const violations: string[] = [];
  const bodyById = new Map<string, string>();
  const verifier = new Webhook(secret);
  for (const request of arrivals) {
    const id = webhookId(request);
    const seq = (JSON.parse(request.body) as { data: { seq: number } }).data.seq;
    const ackedId = idBySeq.get(seq);
    if (ackedId !== id) violations.push(`event ${seq} arrived as ${id}, acknowledged ${ackedId}`);
    const firstBody = bodyById.get(id) ?? request.body;
    bodyById.set(id, firstBody);
    if (request.body !== firstBody) violations.push(`event ${id} arrived with two bodies`);
    try {
      verifier.verify(request.body, request.headers);
    } catch {
      violations.push(`event ${id} arrived with a signature that does not verify`);
    }
  }
  return violations;
}
