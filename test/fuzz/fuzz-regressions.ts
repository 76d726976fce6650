/**
 * Inputs the fuzzing found that once broke the relay, replayed first on every run as
 * fast-check examples, so a fix stays fixed even when random generation misses them.
 */
import type { FuzzRequest, RequestKind } from "./fuzz-routes.ts";

function jsonPost(token: string, kind: RequestKind, path: string, text: string): FuzzRequest {
  return {
    kind,
    method: "POST",
    path,
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: { form: "regression", bytes: new TextEncoder().encode(text) },
  };
}

function get(token: string, path: string): FuzzRequest {
  return { kind: "read", method: "GET", path, headers: { authorization: `Bearer ${token}` } };
}

const deepArray = (depth: number) => "[".repeat(depth) + "]".repeat(depth);
const cursor = (text: string) => Buffer.from(text).toString("base64url");

/** Per /v1 family, keyed like the families in v1-routes.test.ts. */
export function v1Regressions(token: string): Record<string, FuzzRequest[]> {
  return {
    "/v1/endpoints": [
      // Elysia's validation error reads the value's own toString: "No default value", a 500.
      jsonPost(token, "endpoint.create", "/v1/endpoints", '{"url":{"toString":1}}'),
      jsonPost(token, "endpoint.create", "/v1/endpoints", `{"url":${deepArray(50_000)}}`),
    ],
    "/v1/events": [
      jsonPost(token, "event.publish", "/v1/events", '{"type":{"toString":null},"payload":1}'),
      jsonPost(token, "event.publish", "/v1/events", `{"type":"a","payload":${deepArray(1e5)}}`),
      // A cursor whose time is not finite reached SQL as Infinity.
      get(token, `/v1/events?cursor=${cursor('{"createdAt":1e400,"id":"x"}')}`),
    ],
    "/v1/deliveries and /v1/dead-letters": [
      jsonPost(token, "requeue", "/v1/dead-letters/replay", '{"until":{"toString":false}}'),
    ],
    "/v1/sources": [
      jsonPost(
        token,
        "source.create",
        "/v1/sources",
        '{"name":{"toString":"x"},"verifier":{"scheme":"none"}}',
      ),
    ],
    "/v1/tokens": [
      jsonPost(
        token,
        "token.create",
        "/v1/tokens",
        '{"name":{"toString":false},"scopes":["read"]}',
      ),
    ],
  };
}

/** POST /in/:name: a deeply nested JSON body is stored as is, and then broke GET /v1/events. */
export function ingestRegressions(source: string): FuzzRequest[] {
  return [
    {
      kind: "ingest",
      method: "POST",
      path: `/in/${source}`,
      headers: { "content-type": "application/json" },
      body: { form: "regression", bytes: new TextEncoder().encode(deepArray(100_000)) },
    },
  ];
}
