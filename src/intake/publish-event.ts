/**
 * Publishing: the event and one pending delivery per matching endpoint are written in one
 * transaction, and only then does the caller hear back. An idempotency key (or a client-given
 * event id) seen before returns the original event instead of a second one.
 */
import { createHash } from "node:crypto";
import type { Tx } from "../db/client.ts";
import { listDeliveriesForEvent } from "../db/delivery-store.ts";
import { listRoutableEndpoints } from "../db/endpoint-store.ts";
import { findEvent, findEventByIdempotencyKey, insertEvent } from "../db/event-store.ts";
import { newId } from "../db/ids.ts";
import type { DeliveryRow, EventRow } from "../db/schema.ts";
import type { WriteQueue } from "../db/write-queue.ts";
import { HookrelayError } from "../errors/hookrelay-error.ts";
import { relayMetrics } from "../observability/metrics.ts";
import { createDeliveries } from "./fan-out.ts";

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

export async function publishEvent(
  writer: WriteQueue,
  request: PublishRequest,
  now = Date.now(),
): Promise<PublishResult> {
  const requestHash = hashPublishRequest(request);
  return writer
    .run(async (tx) => {
      const earlier = await findEarlierPublish(tx, request);
      if (earlier) {
        if (earlier.requestHash !== requestHash) {
          throw new HookrelayError("ERR_IDEMPOTENCY_CONFLICT", "idempotency key reused", {
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
        return {
          event: earlier,
          deliveries: await listDeliveriesForEvent(tx, earlier.id),
          replayed: true,
        };
      }
      const event: EventRow = {
        id: request.id ?? newId("evt"),
        type: request.type,
        contentType: "application/json",
        body: Buffer.from(renderEnvelope(request.type, now, request.payload)),
        idempotencyKey: request.idempotencyKey ?? null,
        sourceId: null,
        dedupeKey: null,
        headers: null,
        requestHash,
        createdAt: now,
      };
      await insertEvent(tx, event);
      const deliveries = await createDeliveries(tx, event, await listRoutableEndpoints(tx), now);
      return { event, deliveries, replayed: false };
    })
    .then(relayMetrics.countPublished);
}

async function findEarlierPublish(tx: Tx, request: PublishRequest): Promise<EventRow | undefined> {
  if (request.idempotencyKey) {
    const byKey = await findEventByIdempotencyKey(tx, request.idempotencyKey);
    if (byKey) return byKey;
  }
  return request.id ? findEvent(tx, request.id) : undefined;
}

/** The Standard Webhooks envelope; its bytes are fixed here and signed on every attempt. */
function renderEnvelope(type: string, now: number, payload: unknown): string {
  return JSON.stringify({ type, timestamp: new Date(now).toISOString(), data: payload });
}

function hashPublishRequest(request: PublishRequest): string {
  const canonical = JSON.stringify([request.type, request.id ?? null, request.payload]);
  return createHash("sha256").update(canonical).digest("hex");
}
