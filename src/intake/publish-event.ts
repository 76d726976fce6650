/**
 * Publishing: the event and one pending delivery per matching endpoint are written in one
 * transaction, and only then does the caller hear back. An idempotency key (or a client-given
 * event id) seen before returns the original event instead of a second one. Publishes that
 * arrive together are written together (one INSERT per table for the whole batch), and the
 * deliveries the scheduler has room for are handed to it directly.
 */
import { createHash } from "node:crypto";
import type { Tx } from "../db/client.ts";
import { insertDeliveries, listDeliveriesForEvent } from "../db/delivery-store.ts";
import { listRoutableEndpoints } from "../db/endpoint-store.ts";
import { findEventsByKeysOrIds, insertEvents } from "../db/event-store.ts";
import type { DeliveryRow, EventRow } from "../db/schema.ts";
import type { BatchKind, ItemOutcome, WriteQueue } from "../db/write-queue.ts";
import { HookrelayError } from "../errors/hookrelay-error.ts";
import { relayMetrics } from "../observability/metrics.ts";
import { confirmLeases, type DeliveryHandoff, handOver } from "../scheduler/handoff.ts";
import type { ClaimedDelivery } from "../db/claim-store.ts";
import { planHandoff } from "./fan-out.ts";
import { publishedEvent } from "./published-event.ts";

export interface PublishRequest {
  type: string;
  payload: unknown;
  id?: string | undefined;
  idempotencyKey?: string | undefined;
}

export interface PublishResult {
  event: EventRow;
  deliveries: DeliveryRow[];
  /** True when an earlier publish with the same key or id was returned. */
  replayed: boolean;
}

interface PendingPublish {
  request: PublishRequest;
  requestHash: string;
  /** The request's length as canonical JSON: about what its event row holds. */
  bytes: number;
  now: number;
  /** Every delivery a run of this item leased to this process (a rerun alone adds more). */
  leased: string[];
}

interface WrittenPublish extends PublishResult {
  /** Deliveries written leased, for the scheduler to start once the commit is done. */
  handedOff: ClaimedDelivery[];
}

export class EventPublisher {
  readonly #writer: WriteQueue;
  readonly #handoff: DeliveryHandoff;
  readonly #batch: BatchKind<PendingPublish, WrittenPublish>;

  constructor(writer: WriteQueue, handoff: DeliveryHandoff) {
    this.#writer = writer;
    this.#handoff = handoff;
    this.#batch = {
      name: "publishes",
      run: (tx, items) => this.#write(tx, items),
      sizeOf: (item) => item.bytes,
    };
  }

  async publish(request: PublishRequest, now = Date.now()): Promise<PublishResult> {
    const canonical = canonicalRequest(request);
    const requestHash = createHash("sha256").update(canonical).digest("hex");
    const pending = { request, requestHash, bytes: canonical.length, now, leased: [] };
    const { handedOff, ...result } = await confirmLeases(
      this.#handoff,
      pending.leased,
      this.#writer.runBatched(this.#batch, pending),
    );
    handOver(this.#handoff, handedOff, result.replayed ? 0 : result.deliveries.length);
    return relayMetrics.countPublished(result);
  }

  async #write(tx: Tx, items: PendingPublish[]): Promise<ItemOutcome<WrittenPublish>[]> {
    const earlier = await findEarlierPublishes(tx, items);
    const endpoints = await listRoutableEndpoints(tx);
    const budget = this.#handoff.budget();
    const written = new Map<string, DeliveryRow[]>();
    const newEvents: EventRow[] = [];
    const newDeliveries: DeliveryRow[] = [];
    const outcomes: ItemOutcome<WrittenPublish>[] = [];
    for (const item of items) {
      const { request, requestHash, now } = item;
      const prior = earlier.find(request);
      if (prior) {
        if (prior.requestHash !== requestHash) {
          outcomes.push({ ok: false, error: conflict(request) });
          continue;
        }
        const deliveries = written.get(prior.id) ?? (await listDeliveriesForEvent(tx, prior.id));
        outcomes.push({
          ok: true,
          value: { event: prior, deliveries, replayed: true, handedOff: [] },
        });
        continue;
      }
      const event = newEvent(request, requestHash, now);
      const { deliveries, handedOff } = planHandoff(event, endpoints, now, budget);
      item.leased.push(...handedOff.map((delivery) => delivery.id));
      earlier.add(request, event);
      written.set(event.id, deliveries);
      newEvents.push(event);
      newDeliveries.push(...deliveries);
      outcomes.push({ ok: true, value: { event, deliveries, replayed: false, handedOff } });
    }
    await insertEvents(tx, newEvents);
    await insertDeliveries(tx, newDeliveries);
    return outcomes;
  }
}

/** Earlier events by idempotency key and by id: read once per batch, then kept current. */
async function findEarlierPublishes(tx: Tx, items: PendingPublish[]) {
  const keys = items.flatMap(({ request }) => request.idempotencyKey ?? []);
  const ids = items.flatMap(({ request }) => request.id ?? []);
  const byKey = new Map<string, EventRow>();
  const byId = new Map<string, EventRow>();
  for (const event of await findEventsByKeysOrIds(tx, keys, ids)) {
    if (event.idempotencyKey !== null) byKey.set(event.idempotencyKey, event);
    byId.set(event.id, event);
  }
  return {
    find(request: PublishRequest): EventRow | undefined {
      const byTheKey = request.idempotencyKey ? byKey.get(request.idempotencyKey) : undefined;
      return byTheKey ?? (request.id ? byId.get(request.id) : undefined);
    },
    add(request: PublishRequest, event: EventRow): void {
      if (request.idempotencyKey) byKey.set(request.idempotencyKey, event);
      byId.set(event.id, event);
    },
  };
}

function newEvent(request: PublishRequest, requestHash: string, now: number): EventRow {
  const { type, payload, id, idempotencyKey } = request;
  return publishedEvent({ type, payload, now, id, idempotencyKey, requestHash });
}

function conflict(request: PublishRequest): HookrelayError {
  return new HookrelayError("ERR_IDEMPOTENCY_CONFLICT", "idempotency key reused", {
    detail: request.idempotencyKey
      ? "This Idempotency-Key was used before with a different body"
      : "An event with this id was published before with a different body",
    fields: [
      {
        field: request.idempotencyKey ? "header:Idempotency-Key" : "/id",
        message: "reused with a different body",
      },
    ],
  });
}

/** What the request hash covers: two publishes with one key must agree on all of it. */
function canonicalRequest(request: PublishRequest): string {
  return JSON.stringify([request.type, request.id ?? null, request.payload]);
}
