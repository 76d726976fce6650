/** /v1/deliveries and /v1/dead-letters: inspect deliveries with their attempts, retry, replay. */
import { Elysia } from "elysia";
import type { Queryable } from "../db/client.ts";
import {
  countDeliveries,
  type DeliveryFilter,
  findDelivery,
  listAttempts,
  listDeliveries,
  requeueDeliveries,
} from "../db/delivery-store.ts";
import { findEndpointState } from "../db/endpoint-store.ts";
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
          // Claims skip deleted endpoints: requeued, it would stay pending for ever.
          if ((await findEndpointState(tx, delivery.endpointId)) === "deleted") {
            throw endpointDeleted(
              `Delivery ${delivery.id} cannot be retried: its endpoint ${delivery.endpointId} ` +
                "was deleted",
            );
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
        // A deleted endpoint's dead letters can be neither replayed nor retried, so they are
        // not listed; GET /v1/deliveries?status=dead still shows them.
        const rows = await listDeliveries(orm, {
          status: "dead",
          endpointLive: true,
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
        const filter: DeliveryFilter = {
          status: "dead",
          endpointId: body.endpointId,
          finishedSince: body.since ? Date.parse(body.since) : undefined,
          finishedUntil: body.until ? Date.parse(body.until) : undefined,
        };
        const answer = await writer.run(async (tx) => {
          if (body.endpointId) await checkReplayEndpoint(tx, body.endpointId);
          const replayed = await requeueDeliveries(
            tx,
            { ...filter, endpointLive: true },
            Date.now(),
          );
          const skipped = await countDeliveries(tx, { ...filter, endpointLive: false });
          return { replayed, skipped };
        });
        if (answer.replayed > 0) deps.wakeScheduler();
        return answer;
      },
      { body: replayBody },
    );
}

function endpointDeleted(detail: string): HookrelayError {
  return new HookrelayError("ERR_ENDPOINT_DELETED", "endpoint deleted", { detail });
}

/** A replay for one endpoint names an endpoint that exists and still receives. */
async function checkReplayEndpoint(db: Queryable, endpointId: string): Promise<void> {
  const state = await findEndpointState(db, endpointId);
  if (state === undefined) {
    throw validationError([{ field: "/endpointId", message: `no endpoint ${endpointId}` }]);
  }
  if (state === "deleted") {
    throw endpointDeleted(`Endpoint ${endpointId} was deleted; its dead letters cannot be sent`);
  }
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
