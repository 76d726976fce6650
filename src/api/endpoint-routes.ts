/** /v1/endpoints: register, inspect, change, rotate the secret of, and delete endpoints. */
import { Elysia } from "elysia";
import {
  deleteEndpoint,
  type EndpointChanges,
  findEndpoint,
  insertEndpoint,
  listEndpoints,
  updateEndpoint,
} from "../db/endpoint-store.ts";
import { newId } from "../db/ids.ts";
import { HookrelayError, notFound, validationError } from "../errors/hookrelay-error.ts";
import type { ApiDeps } from "./deps.ts";
import {
  checkEndpointInput,
  destinationPolicy,
  defaultScheme,
  describeSchemeSecretProblem,
  generateSchemeSecret,
} from "./endpoint-input.ts";
import { decodeCursor, encodeCursor, endpointJson, endpointSecretJson } from "./representation.ts";
import {
  createEndpointBody,
  idParam,
  pageQuery,
  rotateSecretBody,
  testEventBody,
  updateEndpointBody,
  parseLimit,
} from "./schemas.ts";
import { defaultTestEvent, sendTestEvent } from "../intake/test-event.ts";
import { t } from "elysia";
import { previousSecretsAfterRotation } from "../signing/secret-rotation.ts";

export function endpointRoutes(deps: ApiDeps) {
  const { writer, orm } = deps;
  return new Elysia({ prefix: "/v1/endpoints" })
    .post(
      "/",
      async ({ body, set }) => {
        checkEndpointInput(body, deps.plugins, destinationPolicy(deps));
        const now = Date.now();
        const scheme = body.signing?.scheme ?? defaultScheme;
        const secret =
          body.secret ?? (await generateSchemeSecret(deps.plugins, scheme, body.signing?.options));
        const row = await writer.run((tx) =>
          insertEndpoint(tx, {
            id: newId("ep"),
            url: body.url,
            description: body.description ?? "",
            eventTypes: body.eventTypes ?? [],
            headers: body.headers ?? {},
            signing: { plugin: scheme, options: body.signing?.options ?? {} },
            transform: body.transform ? toChoice(body.transform) : null,
            secret,
            enabled: body.enabled ?? true,
            disabledReason: body.enabled === false ? "api" : null,
            rateLimitPerSecond: body.rateLimitPerSecond ?? null,
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
      async ({ params }) => {
        const row = await mustFindEndpoint(deps, params.id);
        const publicKey = await deps.plugins.publicKey(row.signing.plugin, row.secret);
        return endpointSecretJson(row, Date.now(), publicKey.text);
      },
      { params: idParam },
    )
    .patch(
      "/:id",
      async ({ params, body }) => {
        checkEndpointInput(body, deps.plugins, destinationPolicy(deps));
        const freshSecret = body.signing
          ? await generateSchemeSecret(deps.plugins, body.signing.scheme, body.signing.options)
          : undefined;
        const row = await writer.run(async (tx) => {
          const current = await findEndpoint(tx, params.id);
          if (!current) throw notFound("endpoint", params.id);
          const { signing, transform, ...plain } = body;
          const changes: EndpointChanges = { ...plain };
          if (body.enabled !== undefined) {
            changes.disabledReason = body.enabled ? null : "api";
            // Re-enabling starts the auto-disable clock afresh.
            if (body.enabled) changes.failingSince = null;
          }
          if (transform !== undefined) changes.transform = transform ? toChoice(transform) : null;
          if (signing) {
            changes.signing = { plugin: signing.scheme, options: signing.options ?? {} };
            // A secret of the old scheme may not fit the new one (whsec_ vs whsk_ keys): then
            // the endpoint gets a fresh secret, returned in this answer.
            const options = signing.options ?? {};
            if (
              describeSchemeSecretProblem(deps.plugins, signing.scheme, current.secret, options)
            ) {
              changes.secret = freshSecret;
              changes.previousSecrets = [];
            }
          }
          return updateEndpoint(tx, params.id, changes, Date.now());
        });
        if (!row) throw notFound("endpoint", params.id);
        if (row.enabled) deps.wakeScheduler();
        return body.signing ? { ...endpointJson(row), secret: row.secret } : endpointJson(row);
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
        const now = Date.now();
        const current = await mustFindEndpoint(deps, params.id);
        const { plugin: scheme, options } = current.signing;
        if (body.secret !== undefined) {
          const problem = describeSchemeSecretProblem(deps.plugins, scheme, body.secret, options);
          if (problem) throw validationError([{ field: "/secret", message: problem }]);
        }
        const secret = body.secret ?? (await generateSchemeSecret(deps.plugins, scheme, options));
        const overlapMs =
          body.overlapSeconds === undefined
            ? deps.config.secretOverlapMs
            : body.overlapSeconds * 1000;
        const row = await writer.run(async (tx) => {
          // Read again inside the write: a concurrent rotation must not be lost.
          const latest = await findEndpoint(tx, params.id);
          if (!latest) throw notFound("endpoint", params.id);
          // A PATCH of the scheme that committed since the read above: the new secret was
          // made for the old scheme and may not fit this one (whsec_ under Ed25519, say).
          const { plugin, options: latestOptions } = latest.signing;
          if (describeSchemeSecretProblem(deps.plugins, plugin, secret, latestOptions)) {
            throw new HookrelayError("ERR_CONCURRENT_CHANGE", "signing changed during rotation", {
              detail: `The signing scheme of ${params.id} changed during the rotation; rotate again`,
            });
          }
          const previousSecrets = previousSecretsAfterRotation(latest, secret, overlapMs, now);
          return updateEndpoint(tx, params.id, { secret, previousSecrets }, now);
        });
        if (!row) throw notFound("endpoint", params.id);
        return endpointSecretJson(row, now);
      },
      { params: idParam, body: rotateSecretBody },
    )
    .post(
      "/:id/test",
      async ({ params, body, set }) => {
        deps.disk.assertWritable();
        const { event, delivery } = await sendTestEvent(writer, params.id, {
          type: body.type ?? defaultTestEvent.type,
          payload: "payload" in body ? body.payload : defaultTestEvent.payload,
        });
        deps.wakeScheduler();
        set.status = 202;
        return { eventId: event.id, deliveryId: delivery.id, type: event.type };
      },
      { params: idParam, body: testEventBody },
    );
}

async function mustFindEndpoint(deps: ApiDeps, id: string) {
  const row = await findEndpoint(deps.orm, id);
  if (!row) throw notFound("endpoint", id);
  return row;
}

function toChoice(choice: { plugin: string; options?: Record<string, unknown> | undefined }) {
  return { plugin: choice.plugin, options: choice.options ?? {} };
}
