/**
 * GET /openapi.json is generated from the routes themselves: every /v1 route the Elysia app
 * registers (read from its router, not from a list in this test) is in the document with its
 * method, its bearer security and the scopes that allow it. /docs renders it without a CDN.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { createApiApp } from "../../src/api/app.ts";
import { scopesFor } from "../../src/auth/scopes.ts";
import { loadConfig } from "../../src/config/config.ts";
import { type Database, openDatabase } from "../../src/db/client.ts";
import { applyMigrations } from "../../src/db/migrate.ts";
import { EventPublisher } from "../../src/intake/publish-event.ts";
import { InboundReceiver } from "../../src/intake/receive-inbound.ts";
import { SourceCache } from "../../src/ingest/source-cache.ts";
import { claimOnly } from "../../src/scheduler/handoff.ts";
import { WriteQueue } from "../../src/db/write-queue.ts";
import { createLogger } from "../../src/observability/logger.ts";
import { type PluginHost, startPluginHost } from "../../src/plugins/plugin-host.ts";
import { startRelay } from "../support/relay.ts";
import { slow, useTempDir } from "./ops-support.ts";
import { BodyBudget } from "../../src/intake/body-budget.ts";

type Operation = { security?: unknown[]; "x-hookrelay-scopes"?: string[]; summary?: string };
type Document = { openapi: string; paths: Record<string, Record<string, Operation>> };

const dir = useTempDir();
let database: Database;
let plugins: PluginHost;
let app: ReturnType<typeof createApiApp>;

beforeAll(async () => {
  const config = loadConfig({ HOOKRELAY_DATA_DIR: dir.path });
  database = await openDatabase(`file:${join(dir.path, "hookrelay.db")}`);
  await applyMigrations(database.client);
  const log = createLogger("error");
  plugins = await startPluginHost({ pluginsDir: dir.path, lenient: false, timeoutMs: 1000, log });
  const writer = new WriteQueue(database.orm);
  const deps = {
    config,
    orm: database.orm,
    writer,
    publisher: new EventPublisher(writer, claimOnly),
    inbound: new InboundReceiver(writer, claimOnly),
    sources: new SourceCache(database.orm),
    plugins: plugins.registry,
    bodies: {
      api: new BodyBudget({ pool: "api", capacityBytes: () => 64 * 1024 * 1024 }),
      ingest: new BodyBudget({ pool: "ingest", capacityBytes: () => 64 * 1024 * 1024 }),
    },
    disk: { assertWritable() {} },
    log,
    wakeScheduler() {},
    isReady: async () => true,
    version: "0.0.0-test",
  };
  app = createApiApp(deps, "openapi-test-token-0123456789");
});

afterAll(() => {
  plugins.close();
  database.close();
  dir[Symbol.dispose]();
});

async function fetchDocument(): Promise<Document> {
  const response = await app.handle(new Request("http://relay.test/openapi.json"));
  expect(response.status).toBe(200);
  return (await response.json()) as Document;
}

/** `/v1/endpoints/:id/` → `/v1/endpoints/{id}`, as OpenAPI writes paths. */
function openapiPath(path: string): string {
  const templated = path.replace(/:([A-Za-z0-9_]+)/g, "{$1}");
  return templated.length > 1 ? templated.replace(/\/+$/, "") : templated;
}

describe("GET /openapi.json", () => {
  test("describes every /v1 route the app registers, with its scopes", async () => {
    const document = await fetchDocument();
    expect(document.openapi).toStartWith("3.1");
    const routes = app.routes.filter((route) => route.path.startsWith("/v1"));
    expect(routes.length).toBeGreaterThan(10);
    const missing: string[] = [];
    for (const route of routes) {
      const operation = document.paths[openapiPath(route.path)]?.[route.method.toLowerCase()];
      if (!operation) {
        missing.push(`${route.method} ${route.path}`);
        continue;
      }
      expect({ route: `${route.method} ${route.path}`, operation }).toMatchObject({
        operation: {
          security: [{ bearer: [] }],
          "x-hookrelay-scopes": scopesFor(route.method, openapiPath(route.path)),
          summary: expect.stringMatching(/\S/),
        },
      });
    }
    expect(missing).toEqual([]);
  });

  test("describes request bodies as JSON only, from the route schemas", async () => {
    const document = await fetchDocument();
    const publish = document.paths["/v1/events"]?.post as {
      requestBody?: { content: Record<string, { schema: { properties?: object } }> };
    };
    expect(Object.keys(publish.requestBody?.content ?? {})).toEqual(["application/json"]);
    expect(
      Object.keys(publish.requestBody?.content["application/json"]?.schema.properties ?? {}),
    ).toEqual(expect.arrayContaining(["type", "payload", "id"]));
  });

  test(
    "is served by the running relay without a token, with a docs page",
    async () => {
      await using relay = await startRelay();
      const document = (await (await fetch(`${relay.url}/openapi.json`)).json()) as Document;
      expect(Object.keys(document.paths)).toEqual(
        expect.arrayContaining(["/v1/endpoints", "/v1/events", "/v1/tokens", "/metrics"]),
      );
      const page = await fetch(`${relay.url}/docs`);
      expect(page.headers.get("content-type")).toStartWith("text/html");
      const html = await page.text();
      expect(html).toContain("/v1/dead-letters/replay");
      expect(html).not.toContain("<script");
    },
    slow,
  );
});
