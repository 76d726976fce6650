/** /v1/endpoints: register, inspect, change, rotate the secret of, and delete endpoints. */
import { Elysia } from "elysia";
import {
  deleteEndpoint,
  findEndpoint,
  insertEndpoint,
  listEndpoints,
  updateEndpoint,
} from "../db/endpoint-store.ts";
import { newId } from "../db/ids.ts";
import { notFound } from "../errors/hookrelay-error.ts";
import { generateEndpointSecret } from "../signing/endpoint-secret.ts";
import type { ApiDeps } from "./deps.ts";
import { checkEndpointInput } from "./endpoint-input.ts";
import { decodeCursor, encodeCursor, endpointJson, endpointSecretJson } from "./representation.ts";
import {
  createEndpointBody,
  idParam,
  pageQuery,
  rotateSecretBody,
  updateEndpointBody,
  parseLimit,
} from "./schemas.ts";
import { t } from "elysia";

export function endpointRoutes(deps: ApiDeps) {
  const { writer, orm } = deps;
  return new Elysia({ prefix: "/v1/endpoints" })
    .post(
      "/",
      async ({ body, set }) => {
        checkEndpointInput(body);
        const now = Date.now();
        const row = await writer.run((tx) =>
          insertEndpoint(tx, {
            id: newId("ep"),
            url: body.url,
            description: body.description ?? "",
            eventTypes: body.eventTypes ?? [],
            headers: body.headers ?? {},
            secret: body.secret ?? generateEndpointSecret(),
            enabled: body.enabled ?? true,
            disabledReason: body.enabled === false ? "api" : null,
            createdAt: now,
            updatedAt: now,
          }),
        );
        set.status = 201;
        return { ...endpointJson(row), secret: row.secret };
      },
      { body: createEndpointBody },
    )
    .get(
      "/",
      async ({ query }) => {
        const limit = parseLimit(query.limit);
        const after = query.cursor ? decodeCursor(query.cursor) : undefined;
        const rows = await listEndpoints(orm, limit, typeof after === "string" ? after : undefined);
        const last = rows.at(-1);
        return {
          data: rows.map(endpointJson),
          nextCursor: rows.length === limit && last ? encodeCursor(last.id) : null,
        };
      },
      { query: t.Object(pageQuery, { additionalProperties: false }) },
    )
    .get("/:id", async ({ params }) => endpointJson(await mustFindEndpoint(deps, params.id)), {
      params: idParam,
    })
    .get(
      "/:id/secret",
      async ({ params }) => endpointSecretJson(await mustFindEndpoint(deps, params.id)),
      { params: idParam },
    )
    .patch(
      "/:id",
      async ({ params, body }) => {
        checkEndpointInput(body);
        const changes = {
          ...body,
          ...(body.enabled === undefined ? {} : { disabledReason: body.enabled ? null : "api" }),
        };
        const row = await writer.run((tx) => updateEndpoint(tx, params.id, changes, Date.now()));
        if (!row) throw notFound("endpoint", params.id);
        if (row.enabled) deps.wakeScheduler();
        return endpointJson(row);
      },
      { params: idParam, body: updateEndpointBody },
    )
    .delete(
      "/:id",
      async ({ params, set }) => {
        const deleted = await writer.run((tx) => deleteEndpoint(tx, params.id, Date.now()));
        if (!deleted) throw notFound("endpoint", params.id);
        set.status = 204;
        return;
      },
      { params: idParam },
    )
    .post(
      "/:id/rotate-secret",
      async ({ params, body }) => {
        checkEndpointInput({ secret: body.secret });
        const now = Date.now();
        const overlapMs =
          body.overlapSeconds === undefined
            ? deps.config.secretOverlapMs
            : body.overlapSeconds * 1000;
        const row = await writer.run(async (tx) => {
          const current = await findEndpoint(tx, params.id);
          if (!current) throw notFound("endpoint", params.id);
          return updateEndpoint(
            tx,
            params.id,
            {
              secret: body.secret ?? generateEndpointSecret(),
              previousSecret: current.secret,
              previousSecretExpiresAt: now + overlapMs,
            },
            now,
          );
        });
        if (!row) throw notFound("endpoint", params.id);
        return endpointSecretJson(row, now);
      },
      { params: idParam, body: rotateSecretBody },
    );
}

async function mustFindEndpoint(deps: ApiDeps, id: string) {
  const row = await findEndpoint(deps.orm, id);
  if (!row) throw notFound("endpoint", id);
  return row;
}
