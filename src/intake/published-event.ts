/**
 * The row of an event published through the relay (the API, a test event, an operational
 * event): its body is the Standard Webhooks envelope, whose bytes are fixed here and signed on
 * every attempt of every endpoint.
 */
import { newId } from "../db/ids.ts";
import type { EventRow } from "../db/schema.ts";

export interface PublishedEventFields {
  type: string;
  payload: unknown;
  now: number;
  /** The client's id for the event; a new one when absent. */
  id?: string | undefined;
  idempotencyKey?: string | undefined;
  /** What tells a replay from a conflicting reuse of a key; empty when nothing can replay. */
  requestHash?: string;
}

export function publishedEvent(fields: PublishedEventFields): EventRow {
  const { type, payload, now } = fields;
  return {
    id: fields.id ?? newId("evt"),
    type,
    contentType: "application/json",
    body: Buffer.from(renderEnvelope(type, now, payload)),
    idempotencyKey: fields.idempotencyKey ?? null,
    sourceId: null,
    dedupeKey: null,
    headers: null,
    requestHash: fields.requestHash ?? "",
    createdAt: now,
  };
}

function renderEnvelope(type: string, now: number, payload: unknown): string {
  return JSON.stringify({ type, timestamp: new Date(now).toISOString(), data: payload });
}
