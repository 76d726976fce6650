/** /v1/sources: inbound sources, each with a public ingest URL `/in/:name`. */
import { Elysia, t } from "elysia";
import type { SourceRow } from "../db/schema.ts";
import { findSource, listSources } from "../db/source-store.ts";
import { notFound } from "../errors/hookrelay-error.ts";
import { changeSource, createSource, removeSource } from "../ingest/manage-sources.ts";
import type { ApiDeps } from "./deps.ts";
import { decodeCursor, encodeCursor } from "./representation.ts";
import { idParam, pageQuery, parseLimit } from "./schemas.ts";
import { createSourceBody, updateSourceBody } from "./source-schemas.ts";

export function sourceRoutes(deps: ApiDeps) {
  return new Elysia({ prefix: "/v1/sources" })
    .post(
      "/",
      async ({ body, set }) => {
        const row = await createSource(deps, body);
        set.status = 201;
        return sourceJson(row, { revealSecrets: true });
      },
      { body: createSourceBody },
    )
    .get(
      "/",
      async ({ query }) => {
        const limit = parseLimit(query.limit);
        const after = query.cursor ? decodeCursor(query.cursor) : undefined;
        const rows = await listSources(
          deps.orm,
          limit,
          typeof after === "string" ? after : undefined,
        );
        const last = rows.at(-1);
        return {
          data: rows.map((row) => sourceJson(row)),
          nextCursor: rows.length === limit && last ? encodeCursor(last.id) : null,
        };
      },
      { query: t.Object(pageQuery, { additionalProperties: false }) },
    )
    .get(
      "/:id",
      async ({ params }) => {
        const row = await findSource(deps.orm, params.id);
        if (!row) throw notFound("source", params.id);
        return sourceJson(row);
      },
      { params: idParam },
    )
    .patch(
      "/:id",
      async ({ params, body }) => sourceJson(await changeSource(deps, params.id, body)),
      { params: idParam, body: updateSourceBody },
    )
    .delete(
      "/:id",
      async ({ params, set }) => {
        await removeSource(deps, params.id);
        set.status = 204;
        return;
      },
      { params: idParam },
    );
}

/**
 * Secrets are shown once, when created; afterwards at most their last four characters, and
 * never more than a quarter of one: a provider's short token (`t0k3n`) would otherwise be
 * readable whole by every read-scoped client.
 */
export function redactSourceSecret(value: string): string {
  const characters = [...value];
  const shown = Math.min(4, Math.floor(characters.length / 4));
  return `…${characters.slice(characters.length - shown).join("")}`;
}

/** Secrets are shown in full only in the answer to their create. */
export function sourceJson(row: SourceRow, options: { revealSecrets?: boolean } = {}) {
  return {
    id: row.id,
    name: row.name,
    ingestPath: `/in/${row.name}`,
    verifier: {
      scheme: row.verifier.plugin,
      options: row.verifier.options,
      secrets: row.secrets.map((secret) => ({
        value: options.revealSecrets ? secret.value : redactSourceSecret(secret.value),
        expiresAt: secret.expiresAt === undefined ? null : new Date(secret.expiresAt).toISOString(),
      })),
    },
    destinations: row.destinations,
    forwardHeaders: row.forwardHeaders,
    response: row.response,
    maxBodyBytes: row.maxBodyBytes,
    dedupeWindowSeconds: Math.round(row.dedupeWindowMs / 1000),
    createdAt: new Date(row.createdAt).toISOString(),
    updatedAt: new Date(row.updatedAt).toISOString(),
  };
}
