/**
 * GET /openapi.json: the OpenAPI 3.1 document, generated from the routes' own schemas by
 * Elysia's OpenAPI generator (@elysiajs/openapi's toOpenAPISchema), so it cannot drift from
 * the code. What the generator cannot know is added here from the same sources the code
 * uses: the scopes each route needs (src/auth/scopes.ts), problem+json errors, and that
 * bodies are JSON only. GET /docs renders it as a page (src/api/openapi-page.ts).
 */
import { toOpenAPISchema } from "@elysiajs/openapi";
import { Elysia } from "elysia";
import { scopesFor } from "../auth/scopes.ts";
import type { ApiDeps } from "./deps.ts";
import { renderApiPage } from "./openapi-page.ts";
import { problemTypePrefix } from "./problem.ts";

type Operation = Record<string, unknown> & {
  summary?: string;
  description?: string;
  requestBody?: { content?: Record<string, unknown> };
  responses?: Record<string, unknown>;
};
type Document = Record<string, unknown> & { paths: Record<string, Record<string, Operation>> };

const methods = ["get", "post", "put", "patch", "delete", "head"];

export function openapiRoutes(deps: ApiDeps, options: { metricsPublic: () => boolean }) {
  // This plugin's instance shares the app's global route list, so it sees every route.
  const self = new Elysia({ name: "hookrelay-openapi" });
  let cached: { routeCount: number; document: Document } | undefined;
  const document = () => {
    const routeCount = globalRouteCount(self);
    if (cached?.routeCount !== routeCount) {
      cached = { routeCount, document: buildDocument(self, deps.version, options) };
    }
    return cached.document;
  };
  return self
    .get("/openapi.json", () => document(), { detail: { hide: true } })
    .get(
      "/docs",
      () =>
        new Response(renderApiPage(document()), {
          headers: { "content-type": "text/html; charset=utf-8" },
        }),
      { detail: { hide: true } },
    );
}

interface RouteRecord {
  method: string;
  path: string;
  hooks?: { body?: unknown };
}

/** Elysia keeps the list a plugin shares with its app protected; the generator reads it too. */
function globalRoutes(app: Elysia): RouteRecord[] {
  return (app as unknown as { getGlobalRoutes(): RouteRecord[] }).getGlobalRoutes();
}

function globalRouteCount(app: Elysia): number {
  return globalRoutes(app).length;
}

/**
 * Body schemas by `METHOD /path`. The generator drops a body schema when the app parses
 * bodies with a function (ours caps size and insists on JSON), so it is put back from here.
 */
function bodySchemas(app: Elysia): Map<string, unknown> {
  const schemas = new Map<string, unknown>();
  for (const route of globalRoutes(app)) {
    if (route.hooks?.body)
      schemas.set(routeKey(route.method, toOpenApiPath(route.path)), route.hooks.body);
  }
  return schemas;
}

function routeKey(method: string, path: string): string {
  return `${method.toLowerCase()} ${path}`;
}

function toOpenApiPath(path: string): string {
  const templated = path.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
  return templated.length > 1 ? templated.replace(/\/+$/, "") : templated;
}

function buildDocument(
  app: Elysia,
  version: string,
  options: { metricsPublic: () => boolean },
): Document {
  const generated = toOpenAPISchema(app as never, { staticFile: false }, undefined, undefined);
  const paths: Document["paths"] = {};
  const bodies = bodySchemas(app);
  for (const [rawPath, item] of Object.entries(generated.paths)) {
    const path = toOpenApiPath(rawPath);
    for (const method of methods) {
      const operation = (item as Record<string, Operation | undefined>)[method];
      if (!operation) continue;
      paths[path] ??= {};
      paths[path][method] = describe(operation, method, path, options, bodies);
    }
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "hookrelay",
      version,
      description:
        "Webhook relay API. Errors are RFC 9457 problem+json; /v1 needs a bearer token " +
        "whose scope allows the call (admin, publish = POST /v1/events only, read = GET).",
    },
    paths,
    components: {
      schemas: { ...generated.components.schemas, Problem: problemSchema },
      securitySchemes: {
        bearer: {
          type: "http",
          scheme: "bearer",
          description: "An API token (hr_…) or, when configured, a JWT with a scope claim",
        },
      },
    },
  };
}

function describe(
  operation: Operation,
  method: string,
  path: string,
  options: { metricsPublic: () => boolean },
  bodies: Map<string, unknown>,
): Operation {
  const described: Operation = { ...operation };
  described.tags = [tagOf(path)];
  described.summary ??= `${method.toUpperCase()} ${path}`;
  const body = bodies.get(routeKey(method, path));
  if (operation.requestBody && body !== undefined) {
    // The relay's body reader takes JSON only (415 otherwise), whatever Elysia could parse.
    const content = { "application/json": { schema: body } };
    described.requestBody = { ...operation.requestBody, content };
  }
  const needsToken = path.startsWith("/v1") || (path === "/metrics" && !options.metricsPublic());
  if (needsToken) {
    const scopes = scopesFor(method.toUpperCase(), path);
    described.security = [{ bearer: [] }];
    described["x-hookrelay-scopes"] = scopes;
    described.description = [operation.description, `Scopes: ${scopes.join(" or ")}.`]
      .filter(Boolean)
      .join("\n\n");
  } else described.security = [];
  const responses = { ...(operation.responses ?? {}) };
  if (!Object.keys(responses).some((code) => code.startsWith("2"))) {
    responses["2XX"] = { description: "Success" };
  }
  responses.default = {
    description: "An error, as problem+json",
    content: { "application/problem+json": { schema: { $ref: "#/components/schemas/Problem" } } },
  };
  described.responses = responses;
  return described;
}

function tagOf(path: string): string {
  const match = /^\/v1\/([^/{]+)/.exec(path);
  if (match?.[1]) return match[1];
  if (path.startsWith("/in/")) return "ingest";
  return "operations";
}

const problemSchema = {
  type: "object",
  required: ["type", "title", "status"],
  properties: {
    type: { type: "string", example: `${problemTypePrefix}validation-failed` },
    title: { type: "string" },
    status: { type: "integer" },
    detail: { type: "string" },
    field: { type: "string", description: "JSON pointer (or header:/query: name) at fault" },
    errors: {
      type: "array",
      items: {
        type: "object",
        properties: { field: { type: "string" }, message: { type: "string" } },
      },
    },
  },
};
