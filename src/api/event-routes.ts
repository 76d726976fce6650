/** /v1/events: publish an event (fan-out happens in the same transaction) and read events. */
import { Elysia } from "elysia";
import { listDeliveriesForEvent } from "../db/delivery-store.ts";
import { type EventCursor, findEvent, listEvents } from "../db/event-store.ts";
import { notFound, validationError } from "../errors/hookrelay-error.ts";
import type { ApiDeps } from "./deps.ts";
import { decodeCursor, deliveryJson, encodeCursor, eventJson } from "./representation.ts";
import { idParam, listEventsQuery, publishEventBody, parseLimit } from "./schemas.ts";

const idempotencyKeyRule = /^[\x21-\x7e]{1,255}$/;

export function eventRoutes(deps: ApiDeps) {
  return new Elysia({ prefix: "/v1/events" })
    .post(
      "/",
      async ({ body, headers, set }) => {
        const idempotencyKey = headers["idempotency-key"];
        if (idempotencyKey !== undefined && !idempotencyKeyRule.test(idempotencyKey)) {
          throw validationError([
            {
              field: "header:Idempotency-Key",
              message: "must be 1-255 printable ASCII characters",
            },
          ]);
        }
        deps.disk.assertWritable();
        // Held again while the event waits for its commit: the parsed body is still live.
        // A chunked body counts as the most it may have been, as while it was read.
        const declared = Number(headers["content-length"] ?? Number.NaN);
        const bytes = Number.isFinite(declared) ? declared : deps.config.maxBodyBytes;
        const result = await deps.bodies.api.hold(bytes, () =>
          deps.publisher.publish({ ...body, idempotencyKey }),
        );
        set.status = 202;
        if (result.replayed) set.headers["idempotent-replayed"] = "true";
        return {
          id: result.event.id,
          type: result.event.type,
          createdAt: new Date(result.event.createdAt).toISOString(),
          // A replay repeats the original answer, and every delivery starts out pending.
          deliveries: result.deliveries.map((d) => ({
            id: d.id,
            endpointId: d.endpointId,
            status: "pending",
          })),
        };
      },
      { body: publishEventBody },
    )
    .get(
      "/",
      async ({ query }) => {
        const limit = parseLimit(query.limit);
        const before = query.cursor ? parseEventCursor(query.cursor) : undefined;
        const rows = await listEvents(deps.orm, { type: query.type, limit, before });
        const last = rows.at(-1);
        return {
          data: rows.map(eventJson),
          nextCursor:
            rows.length === limit && last
              ? encodeCursor({ createdAt: last.createdAt, id: last.id })
              : null,
        };
      },
      { query: listEventsQuery },
    )
    .get(
      "/:id",
      async ({ params }) => {
        const event = await findEvent(deps.orm, params.id);
        if (!event) throw notFound("event", params.id);
        const deliveries = await listDeliveriesForEvent(deps.orm, event.id);
        return { ...eventJson(event), deliveries: deliveries.map(deliveryJson) };
      },
      { params: idParam },
    );
}

function parseEventCursor(cursor: string): EventCursor {
  const value = decodeCursor(cursor) as Partial<EventCursor> | undefined;
  if (!Number.isSafeInteger(value?.createdAt) || typeof value?.id !== "string") {
    throw validationError([{ field: "query:cursor", message: "is not a cursor this API issued" }]);
  }
  return { createdAt: value.createdAt as number, id: value.id };
}
