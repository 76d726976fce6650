/**
 * One arbitrary per family of /v1 routes, each producing whole requests as
 * src/api/*-routes.ts declares them: bodies from fuzz-fields.ts, broken by
 * fuzz-arbitraries.ts, with random ids, query strings, headers and tokens. Write routes only
 * target the fixtures meant to be changed (or unknown ids), so the fan-out endpoint and the
 * ingest sources stay as the session set them up.
 */
import fc from "fast-check";
import {
  authorization,
  bodyFrom,
  contentType,
  extraHeaders,
  type GeneratedBody,
  jsonValue,
  pathId,
  printableAscii,
  queryString,
} from "./fuzz-arbitraries.ts";
import {
  endpointFields,
  publishFields,
  replayFields,
  rotateFields,
  sourceFields,
  tokenFields,
} from "./fuzz-fields.ts";

/** What a request may change, so the session knows which invariant to check after it. */
export type RequestKind =
  | "read"
  | "endpoint.create"
  | "endpoint.change"
  | "event.publish"
  | "source.create"
  | "source.change"
  | "token.create"
  | "ingest"
  | "requeue";

export interface FuzzRequest {
  kind: RequestKind;
  method: string;
  path: string;
  headers: Record<string, string | undefined>;
  body?: GeneratedBody;
}

export interface FuzzTargets {
  token: string;
  sinkUrl: string;
  /** Receives every event; only read by the fuzz. */
  fanOutEndpointId: string;
  /** Patched and rotated by the fuzz. */
  victimEndpointId: string;
  victimSourceId: string;
  eventId: string;
  deliveryId: string;
}

function jsonRequest(
  targets: FuzzTargets,
  kind: RequestKind,
  method: string,
  path: fc.Arbitrary<string>,
  body: fc.Arbitrary<GeneratedBody>,
  headers: fc.Arbitrary<Record<string, string | undefined>> = fc.constant({}),
): fc.Arbitrary<FuzzRequest> {
  return fc
    .tuple(path, body, contentType, authorization(targets.token), extraHeaders, headers)
    .map(([p, b, type, auth, extra, own]) => ({
      kind,
      method,
      path: p,
      body: b,
      headers: { ...extra, ...own, "content-type": type, authorization: auth },
    }));
}

function readRequest(
  targets: FuzzTargets,
  path: fc.Arbitrary<string>,
  method = "GET",
): fc.Arbitrary<FuzzRequest> {
  return fc.tuple(path, authorization(targets.token), extraHeaders).map(([p, auth, extra]) => ({
    kind: "read" as const,
    method,
    path: p,
    headers: { ...extra, authorization: auth },
  }));
}

export function endpointRequests(targets: FuzzTargets): fc.Arbitrary<FuzzRequest> {
  const victim = pathId([targets.victimEndpointId]);
  const any = pathId([targets.fanOutEndpointId, targets.victimEndpointId]);
  return fc.oneof(
    {
      weight: 3,
      arbitrary: jsonRequest(
        targets,
        "endpoint.create",
        "POST",
        fc.constant("/v1/endpoints"),
        bodyFrom(endpointFields(targets.sinkUrl, true)),
      ),
    },
    {
      weight: 2,
      arbitrary: jsonRequest(
        targets,
        "endpoint.change",
        "PATCH",
        victim.map((id) => `/v1/endpoints/${id}`),
        bodyFrom(endpointFields(targets.sinkUrl, false)),
      ),
    },
    jsonRequest(
      targets,
      "endpoint.change",
      "POST",
      victim.map((id) => `/v1/endpoints/${id}/rotate-secret`),
      bodyFrom(rotateFields()),
    ),
    readRequest(
      targets,
      queryString([]).map((q) => `/v1/endpoints${q}`),
    ),
    readRequest(
      targets,
      any.map((id) => `/v1/endpoints/${id}`),
    ),
    readRequest(
      targets,
      any.map((id) => `/v1/endpoints/${id}/secret`),
    ),
    readRequest(
      targets,
      pathId([]).map((id) => `/v1/endpoints/${id}`),
      "DELETE",
    ),
  );
}

const idempotencyKey = fc.oneof(
  { weight: 5, arbitrary: fc.constant(undefined) },
  { weight: 2, arbitrary: fc.constantFrom("fuzz-key-1", "fuzz-key-2", "fuzz-key-3") },
  { weight: 1, arbitrary: printableAscii(1, 255) },
  { weight: 1, arbitrary: fc.constantFrom("", " ", "a b", "x".repeat(256), "caf\u00e9") },
);

export function eventRequests(targets: FuzzTargets): fc.Arbitrary<FuzzRequest> {
  const publish = jsonRequest(
    targets,
    "event.publish",
    "POST",
    fc.constant("/v1/events"),
    bodyFrom(publishFields()),
    idempotencyKey.map((key) => ({ "idempotency-key": key })),
  );
  return fc.oneof(
    { weight: 4, arbitrary: publish },
    readRequest(
      targets,
      queryString(["type"]).map((q) => `/v1/events${q}`),
    ),
    readRequest(
      targets,
      pathId([targets.eventId]).map((id) => `/v1/events/${id}`),
    ),
  );
}

export function deliveryRequests(targets: FuzzTargets): fc.Arbitrary<FuzzRequest> {
  const endpointIds = [targets.fanOutEndpointId, targets.victimEndpointId];
  const delivery = pathId([targets.deliveryId]);
  const empty = fc.constant({ form: "empty", bytes: new Uint8Array() });
  return fc.oneof(
    readRequest(
      targets,
      queryString(["status", "endpointId", "eventId"]).map((q) => `/v1/deliveries${q}`),
    ),
    readRequest(
      targets,
      delivery.map((id) => `/v1/deliveries/${id}`),
    ),
    jsonRequest(
      targets,
      "requeue",
      "POST",
      delivery.map((id) => `/v1/deliveries/${id}/retry`),
      empty,
    ),
    readRequest(
      targets,
      queryString(["endpointId"]).map((q) => `/v1/dead-letters${q}`),
    ),
    jsonRequest(
      targets,
      "requeue",
      "POST",
      fc.constant("/v1/dead-letters/replay"),
      bodyFrom(replayFields(endpointIds)),
    ),
  );
}

export function sourceRequests(targets: FuzzTargets): fc.Arbitrary<FuzzRequest> {
  const victim = pathId([targets.victimSourceId]);
  return fc.oneof(
    {
      weight: 3,
      arbitrary: jsonRequest(
        targets,
        "source.create",
        "POST",
        fc.constant("/v1/sources"),
        bodyFrom(sourceFields(targets, true)),
      ),
    },
    {
      weight: 2,
      arbitrary: jsonRequest(
        targets,
        "source.change",
        "PATCH",
        victim.map((id) => `/v1/sources/${id}`),
        bodyFrom(sourceFields(targets, false)),
      ),
    },
    readRequest(
      targets,
      queryString([]).map((q) => `/v1/sources${q}`),
    ),
    readRequest(
      targets,
      victim.map((id) => `/v1/sources/${id}`),
    ),
    readRequest(
      targets,
      pathId([]).map((id) => `/v1/sources/${id}`),
      "DELETE",
    ),
  );
}

export function tokenRequests(targets: FuzzTargets): fc.Arbitrary<FuzzRequest> {
  return fc.oneof(
    {
      weight: 3,
      arbitrary: jsonRequest(
        targets,
        "token.create",
        "POST",
        fc.constant("/v1/tokens"),
        bodyFrom(tokenFields()),
      ),
    },
    readRequest(
      targets,
      queryString([]).map((q) => `/v1/tokens${q}`),
    ),
    readRequest(
      targets,
      pathId([]).map((id) => `/v1/tokens/${id}`),
      "DELETE",
    ),
  );
}

/** Anything at all: any method on any path, with or without a body. */
export function strayRequests(targets: FuzzTargets): fc.Arbitrary<FuzzRequest> {
  const path = fc.oneof(
    fc.constantFrom(
      "/healthz",
      "/readyz",
      "/.well-known/jwks.json",
      "/metrics",
      "/openapi.json",
      "/",
      "/v1",
      "/v1/tokens/",
    ),
    fc
      .tuple(
        fc.constantFrom("/v1/", "/v1/endpoints/", "/v1/events/", "/v1/sources/", "/in/", "/"),
        fc.array(fc.string({ maxLength: 12 }).map(encodeURIComponent), { maxLength: 3 }),
      )
      .map(([prefix, parts]) => prefix + parts.join("/")),
  );
  const method = fc.constantFrom("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD");
  const body = bodyFrom({
    good: fc.dictionary(fc.string(), jsonValue),
    bad: fc.tuple(fc.string(), jsonValue),
    names: ["x"],
  });
  return fc
    .tuple(method, path, body, contentType, authorization(targets.token), extraHeaders)
    .map(([m, p, b, type, auth, extra]) => ({
      kind: "read" as const,
      method: m,
      path: p,
      ...(m === "GET" || m === "HEAD" ? {} : { body: b }),
      headers: { ...extra, "content-type": type, authorization: auth },
    }));
}
