/** /v1/deliveries and /v1/dead-letters: inspect deliveries with their attempts, retry, replay. */
import { Elysia } from "elysia";
import {
  findDelivery,
  listAttempts,
  listDeliveries,
  requeueDeliveries,
} from "../db/delivery-store.ts";
import type { DeliveryRow } from "../db/schema.ts";
import { HookrelayError, notFound, validationError } from "../errors/hookrelay-error.ts";
import type { ApiDeps } from "./deps.ts";
import { attemptJson, decodeCursor, deliveryJson, encodeCursor } from "./representation.ts";
import {
  idParam,
  listDeadLettersQuery,
  listDeliveriesQuery,
  replayBody,
  parseLimit,
} from "./schemas.ts";

export function deliveryRoutes(deps: ApiDeps) {
  const { orm, writer } = deps;
  return new Elysia({ prefix: "/v1" })
    .get(
      "/deliveries",
      async ({ query }) => {
        const limit = parseLimit(query.limit);
        const rows = await listDeliveries(orm, {
          ...query,
          limit,
          beforeId: parseIdCursor(query.cursor),
        });
        return page(rows, limit);
      },
      { query: listDeliveriesQuery },
    )
    .get(
      "/deliveries/:id",
      async ({ params }) => {
        const delivery = await findDelivery(orm, params.id);
        if (!delivery) throw notFound("delivery", params.id);
        const attempts = await listAttempts(orm, delivery.id);
        return { ...deliveryJson(delivery), attempts: attempts.map(attemptJson) };
      },
      { params: idParam },
    )
    .post(
      "/deliveries/:id/retry",
      async ({ params, set }) => {
        const row = await writer.run(async (tx) => {
          const delivery = await findDelivery(tx, params.id);
          if (!delivery) throw notFound("delivery", params.id);
          if (delivery.status === "succeeded") {
            throw new HookrelayError("ERR_DELIVERY_SUCCEEDED", "retry of a succeeded delivery", {
              detail: `Delivery ${delivery.id} already succeeded; publish a new event instead`,
            });
          }
          await requeueDeliveries(tx, { ids: [delivery.id] }, Date.now());
          return findDelivery(tx, delivery.id);
        });
        deps.wakeScheduler();
        set.status = 202;
        return deliveryJson(row as DeliveryRow);
      },
      { params: idParam },
    )
    .get(
      "/dead-letters",
      async ({ query }) => {
        const limit = parseLimit(query.limit);
        const rows = await listDeliveries(orm, {
          status: "dead",
          endpointId: query.endpointId,
          limit,
          beforeId: parseIdCursor(query.cursor),
        });
        return page(rows, limit);
      },
      { query: listDeadLettersQuery },
    )
    .post(
      "/dead-letters/replay",
      async ({ body }) => {
        const replayed = await writer.run((tx) =>
          requeueDeliveries(
            tx,
            {
              status: "dead",
              endpointId: body.endpointId,
              finishedSince: body.since ? Date.parse(body.since) : undefined,
              finishedUntil: body.until ? Date.parse(body.until) : undefined,
            },
            Date.now(),
          ),
        );
        if (replayed > 0) deps.wakeScheduler();
        return { replayed };
      },
      { body: replayBody },
    );
}

function page(rows: DeliveryRow[], limit: number) {
  const last = rows.at(-1);
  return {
    data: rows.map(deliveryJson),
    nextCursor: rows.length === limit && last ? encodeCursor(last.id) : null,
  };
}

function parseIdCursor(cursor: string | undefined): string | undefined {
  if (cursor === undefined) return undefined;
  const value = decodeCursor(cursor);
  if (typeof value !== "string") {
    throw validationError([{ field: "query:cursor", message: "is not a cursor this API issued" }]);
  }
  return value;
}
