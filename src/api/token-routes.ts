/**
 * /v1/tokens: named API tokens with scopes. The token itself is in the creation answer only;
 * afterwards the relay knows its SHA-256 and nothing else. Admin scope only (src/auth/scopes).
 */
import { Elysia, t } from "elysia";
import { generateTokenSecret, hashTokenSecret } from "../auth/token-secret.ts";
import { newId } from "../db/ids.ts";
import type { ApiTokenRow } from "../db/schema.ts";
import { insertToken, listTokens, revokeToken } from "../db/token-store.ts";
import { notFound, validationError } from "../errors/hookrelay-error.ts";
import type { ApiDeps } from "./deps.ts";
import { idParam } from "./schemas.ts";
import { describeStoredTextProblem } from "./text-rules.ts";

const scopeSchema = t.Union([t.Literal("admin"), t.Literal("publish"), t.Literal("read")]);

export const createTokenBody = t.Object(
  {
    name: t.String({ minLength: 1, maxLength: 100 }),
    scopes: t.Array(scopeSchema, { minItems: 1, maxItems: 3, uniqueItems: true }),
  },
  { additionalProperties: false },
);

export function tokenRoutes(deps: ApiDeps) {
  return new Elysia({ prefix: "/v1/tokens" })
    .post(
      "/",
      async ({ body, set }) => {
        const nameProblem = describeStoredTextProblem(body.name);
        if (nameProblem) throw validationError([{ field: "/name", message: nameProblem }]);
        const token = generateTokenSecret();
        const row = await deps.writer.run((tx) =>
          insertToken(tx, {
            id: newId("tok"),
            name: body.name,
            scopes: body.scopes,
            tokenHash: hashTokenSecret(token),
            createdAt: Date.now(),
          }),
        );
        deps.log.info({ tokenId: row.id, name: row.name, scopes: row.scopes }, "token created");
        set.status = 201;
        return { ...tokenJson(row), token };
      },
      { body: createTokenBody, detail: { summary: "Create a named token (shown once)" } },
    )
    .get("/", async () => ({ data: (await listTokens(deps.orm)).map(tokenJson) }), {
      detail: { summary: "List tokens, revoked ones included" },
    })
    .delete(
      "/:id",
      async ({ params, set }) => {
        const revoked = await deps.writer.run((tx) => revokeToken(tx, params.id, Date.now()));
        if (!revoked) throw notFound("token", params.id);
        deps.log.info({ tokenId: params.id }, "token revoked");
        set.status = 204;
        return;
      },
      { params: idParam, detail: { summary: "Revoke a token; it stops working at once" } },
    );
}

function tokenJson(row: ApiTokenRow) {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    id: row.id,
    name: row.name,
    scopes: row.scopes,
    createdAt: iso(row.createdAt),
    lastUsedAt: iso(row.lastUsedAt),
    revokedAt: iso(row.revokedAt),
  };
}
