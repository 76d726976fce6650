/**
 * Storing a verified inbound request: the event (raw bytes, content type, forwarded headers)
 * and one delivery per enabled destination, in one transaction, unless the provider's
 * delivery id was already seen within the source's dedupe window. Only after this commits
 * does the ingest route answer.
 */
import { listDeliveriesForEvent } from "../db/delivery-store.ts";
import { findRecentDuplicate, insertEvent } from "../db/event-store.ts";
import { newId } from "../db/ids.ts";
import type { DeliveryRow, EventRow, SourceRow } from "../db/schema.ts";
import { listEnabledEndpointsAmong } from "../db/source-store.ts";
import type { WriteQueue } from "../db/write-queue.ts";
import { createDeliveries } from "./fan-out.ts";

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

export async function receiveInbound(
  writer: WriteQueue,
  request: InboundRequest,
  now = Date.now(),
): Promise<InboundResult> {
  const { source } = request;
  return writer.run(async (tx) => {
    if (request.dedupeKey !== undefined) {
      const since = now - source.dedupeWindowMs;
      const earlier = await findRecentDuplicate(tx, source.id, request.dedupeKey, since);
      if (earlier) {
        const deliveries = await listDeliveriesForEvent(tx, earlier.id);
        return { event: earlier, deliveries, duplicate: true };
      }
    }
    const event: EventRow = {
      id: newId("evt"),
      type: request.eventType,
      contentType: request.contentType,
      body: Buffer.from(request.body),
      idempotencyKey: null,
      sourceId: source.id,
      dedupeKey: request.dedupeKey ?? null,
      headers: request.headers,
      requestHash: "",
      createdAt: now,
    };
    await insertEvent(tx, event);
    const targets = await listEnabledEndpointsAmong(tx, source.destinations);
    const deliveries = await createDeliveries(tx, event, targets, now);
    return { event, deliveries, duplicate: false };
  });
}
