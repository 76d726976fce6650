/**
 * Storing a verified inbound request: the event (raw bytes, content type, forwarded headers)
 * and one delivery per enabled destination, in one transaction, unless the provider's
 * delivery id was already seen within the source's dedupe window. Only after this commits
 * does the ingest route answer. Requests that arrive together are written together, and
 * their deliveries handed to the scheduler where it has room, as for published events.
 */
import type { ClaimedDelivery } from "../db/claim-store.ts";
import type { Tx } from "../db/client.ts";
import { insertDeliveries, listDeliveriesForEvent } from "../db/delivery-store.ts";
import { findRecentDuplicates, insertEvents } from "../db/event-store.ts";
import { newId } from "../db/ids.ts";
import type { DeliveryRow, EndpointRow, EventRow, SourceRow } from "../db/schema.ts";
import { listEnabledEndpointsAmong } from "../db/source-store.ts";
import type { BatchKind, ItemOutcome, WriteQueue } from "../db/write-queue.ts";
import { confirmLeases, type DeliveryHandoff, handOver } from "../scheduler/handoff.ts";
import { planHandoff } from "./fan-out.ts";

export interface InboundRequest {
  source: SourceRow;
  eventType: string;
  dedupeKey: string | undefined;
  body: Uint8Array;
  contentType: string;
  headers: Record<string, string>;
}

export interface InboundResult {
  event: EventRow;
  deliveries: DeliveryRow[];
  duplicate: boolean;
}

interface PendingInbound {
  request: InboundRequest;
  now: number;
  /** Every delivery a run of this item leased to this process (a rerun alone adds more). */
  leased: string[];
}

interface WrittenInbound extends InboundResult {
  handedOff: ClaimedDelivery[];
}

export class InboundReceiver {
  readonly #writer: WriteQueue;
  readonly #handoff: DeliveryHandoff;
  readonly #batch: BatchKind<PendingInbound, WrittenInbound>;

  constructor(writer: WriteQueue, handoff: DeliveryHandoff) {
    this.#writer = writer;
    this.#handoff = handoff;
    this.#batch = {
      name: "inbound events",
      run: (tx, items) => this.#write(tx, items),
      sizeOf: (item) => item.request.body.byteLength,
    };
  }

  async receive(request: InboundRequest, now = Date.now()): Promise<InboundResult> {
    const pending: PendingInbound = { request, now, leased: [] };
    const { handedOff, ...result } = await confirmLeases(
      this.#handoff,
      pending.leased,
      this.#writer.runBatched(this.#batch, pending),
    );
    handOver(this.#handoff, handedOff, result.duplicate ? 0 : result.deliveries.length);
    return result;
  }

  async #write(tx: Tx, items: PendingInbound[]): Promise<ItemOutcome<WrittenInbound>[]> {
    const sources = await readSources(tx, items);
    const budget = this.#handoff.budget();
    const written = new Map<string, DeliveryRow[]>();
    const newEvents: EventRow[] = [];
    const newDeliveries: DeliveryRow[] = [];
    const outcomes: ItemOutcome<WrittenInbound>[] = [];
    for (const item of items) {
      const { request, now } = item;
      const source = sources.get(request.source.id) as SourceBatch;
      const earlier = source.duplicateOf(request.dedupeKey, now - request.source.dedupeWindowMs);
      if (earlier) {
        const deliveries =
          written.get(earlier.id) ?? (await listDeliveriesForEvent(tx, earlier.id));
        const value = { event: earlier, deliveries, duplicate: true, handedOff: [] };
        outcomes.push({ ok: true, value });
        continue;
      }
      const event: EventRow = {
        id: newId("evt"),
        type: request.eventType,
        contentType: request.contentType,
        body: Buffer.from(request.body),
        idempotencyKey: null,
        sourceId: request.source.id,
        dedupeKey: request.dedupeKey ?? null,
        headers: request.headers,
        requestHash: "",
        createdAt: now,
      };
      const { deliveries, handedOff } = planHandoff(event, source.destinations, now, budget);
      item.leased.push(...handedOff.map((delivery) => delivery.id));
      source.remember(event);
      written.set(event.id, deliveries);
      newEvents.push(event);
      newDeliveries.push(...deliveries);
      outcomes.push({ ok: true, value: { event, deliveries, duplicate: false, handedOff } });
    }
    await insertEvents(tx, newEvents);
    await insertDeliveries(tx, newDeliveries);
    return outcomes;
  }
}

interface SourceBatch {
  destinations: EndpointRow[];
  duplicateOf(dedupeKey: string | undefined, since: number): EventRow | undefined;
  remember(event: EventRow): void;
}

/** Per source in the batch: its destinations, and the events its dedupe keys were seen on. */
async function readSources(tx: Tx, items: PendingInbound[]): Promise<Map<string, SourceBatch>> {
  const bySource = new Map<string, PendingInbound[]>();
  for (const item of items) {
    const group = bySource.get(item.request.source.id) ?? [];
    group.push(item);
    bySource.set(item.request.source.id, group);
  }
  const sources = new Map<string, SourceBatch>();
  for (const [sourceId, group] of bySource) {
    const { source } = (group[0] as PendingInbound).request;
    const keys = [...new Set(group.flatMap(({ request }) => request.dedupeKey ?? []))];
    const oldest = Math.min(...group.map(({ now }) => now)) - source.dedupeWindowMs;
    const seen = new Map<string, EventRow[]>();
    const remember = (event: EventRow) => {
      if (event.dedupeKey === null) return;
      seen.set(event.dedupeKey, [...(seen.get(event.dedupeKey) ?? []), event]);
    };
    for (const event of await findRecentDuplicates(tx, sourceId, keys, oldest)) remember(event);
    sources.set(sourceId, {
      destinations: await listEnabledEndpointsAmong(tx, source.destinations),
      duplicateOf: (dedupeKey, since) =>
        dedupeKey === undefined
          ? undefined
          : seen.get(dedupeKey)?.find((event) => event.createdAt >= since),
      remember,
    });
  }
  return sources;
}
