/**
 * The HTTP API as one Elysia app: auth on /v1, a capped JSON body reader, and one error
 * handler that turns every failure into problem+json.
 */
import { Elysia, type ValidationError } from "elysia";
import { type FieldError, HookrelayError, validationError } from "../errors/hookrelay-error.ts";
import { createAuthenticator } from "../auth/authenticator.ts";
import { deliveryRoutes } from "./delivery-routes.ts";
import type { ApiDeps } from "./deps.ts";
import { endpointRoutes } from "./endpoint-routes.ts";
import { eventRoutes } from "./event-routes.ts";
import { ingestRoute } from "../ingest/ingest-route.ts";
import { jwksRoute } from "./jwks-route.ts";
import { metricsRoute } from "./metrics-route.ts";
import { openapiRoutes } from "./openapi.ts";
import { tokenRoutes } from "./token-routes.ts";
import { sourceRoutes } from "./source-routes.ts";
import { asHookrelayError, problemResponse } from "./problem.ts";
import { expectedBodyBytes } from "../intake/body-budget.ts";
import { readBeforeDeadline } from "../intake/body-deadline.ts";
import { readJsonBody } from "./request-body.ts";
import { relayMetrics, type RouteGroup } from "../observability/metrics.ts";
import { AuthFailureLimiter } from "./auth-failure-limit.ts";
import { checkHeaderLimits } from "./header-limits.ts";

const rawBodyPlaceholder = Object.freeze({ raw: true });

export function createApiApp(deps: ApiDeps, apiToken: string) {
  const authenticate = createAuthenticator({
    bootstrapToken: apiToken,
    orm: deps.orm,
    writer: deps.writer,
    jwt: deps.config,
    log: deps.log,
  });
  const authFailures = new AuthFailureLimiter(deps.config.authFailuresPerMinute);
  return new Elysia({ normalize: false })
    .onRequest(({ request }) => checkHeaderLimits(request.headers))
    .onRequest(async ({ request, server }) => {
      // /v1 always needs a token whose scope allows the call (src/auth/scopes.ts); /metrics
      // unless the operator made it public.
      const path = new URL(request.url).pathname;
      if (path.startsWith("/v1") || (path === "/metrics" && !deps.config.metricsPublic)) {
        const client = server?.requestIP(request)?.address ?? "unknown";
        authFailures.assertAllowed(client);
        try {
          await authenticate(request.headers.get("authorization"), request.method, path);
        } catch (error) {
          if (error instanceof HookrelayError && error.code === "ERR_UNAUTHORIZED") {
            authFailures.recordFailure(client);
          }
          throw error;
        }
      }
    })
    .onParse({ as: "global" }, ({ request }) => {
      // Ingest routes read the raw bytes themselves: a truthy placeholder keeps every parser
      // (ours and Elysia's) away from the body stream.
      if (new URL(request.url).pathname.startsWith("/in/")) return rawBodyPlaceholder;
      const maxBytes = deps.config.maxBodyBytes;
      const bytes = expectedBodyBytes(request, maxBytes);
      if (bytes === 0) return readJsonBody(request, maxBytes);
      return deps.bodies.api.hold(bytes, () =>
        readBeforeDeadline(deps.config.bodyTimeoutMs, (signal) =>
          readJsonBody(request, maxBytes, signal),
        ),
      );
    })
    .onError({ as: "global" }, ({ code, error, request, set }) => {
      const answer = answerError(deps, code, error, request);
      // What onAfterResponse reads: Elysia leaves set.status at 200 for a 404 or an error
      // thrown before the route (auth, header limits).
      set.status = answer.status;
      return answer;
    })
    .onAfterResponse({ as: "global" }, ({ request, response, set }) => {
      const status = response instanceof Response ? response.status : set.status;
      relayMetrics.countResponse(
        routeGroupOf(request.url),
        typeof status === "number" ? status : 200,
      );
    })
    .get("/healthz", () => ({ status: "ok" }))
    .get("/readyz", async () => {
      if (await deps.isReady()) return { status: "ready" };
      throw new HookrelayError("ERR_UNAVAILABLE", "not ready", {
        detail: "The database is not reachable or not migrated",
      });
    })
    .use(endpointRoutes(deps))
    .use(eventRoutes(deps))
    .use(deliveryRoutes(deps))
    .use(jwksRoute(deps))
    .use(sourceRoutes(deps))
    .use(ingestRoute(deps))
    .use(tokenRoutes(deps))
    .use(metricsRoute(deps))
    .use(openapiRoutes(deps, { metricsPublic: () => deps.config.metricsPublic }));
}

/** Every failure as problem+json; a 5xx is logged with its path (never the query string). */
function answerError(
  deps: ApiDeps,
  code: string | number,
  error: unknown,
  request: Request,
): Response {
  if (code === "VALIDATION") return problemResponse(fromValidation(error as ValidationError));
  if (code === "NOT_FOUND") {
    return problemResponse(new HookrelayError("ERR_NOT_FOUND", "no such route"));
  }
  if (code === "PARSE") {
    // Our body reader's own errors (size, media type, JSON) arrive wrapped as the cause.
    const cause = (error as { cause?: unknown }).cause;
    const failure =
      cause instanceof HookrelayError
        ? cause
        : new HookrelayError("ERR_MALFORMED_JSON", "unparsable body");
    return problemResponse(failure, retryHeaders(failure));
  }
  if (isUncheckableValue(error)) {
    return problemResponse(
      validationError([
        {
          field: "/",
          message: "holds an object whose own toString or valueOf is not a function",
        },
      ]),
    );
  }
  const failure = asHookrelayError(error);
  if (failure.status >= 500) {
    deps.log.error(
      {
        err: withoutQuery(failure.cause ?? failure),
        code: failure.code,
        path: new URL(request.url).pathname,
      },
      "request failed",
    );
  }
  return problemResponse(failure, retryHeaders(failure));
}

/**
 * The counter's route group, read from the URL text without parsing it: this runs once per
 * answer. /v1 is the API, as for authentication above.
 */
function routeGroupOf(url: string): RouteGroup {
  const path = url.indexOf("/", url.indexOf("//") + 2);
  if (path < 0) return "other";
  if (url.startsWith("/v1", path)) return "api";
  if (url.startsWith("/in/", path)) return "ingest";
  return "other";
}

/** When a client may try again: soon after a 503, after the lockout's minute for a 429. */
function retryHeaders(failure: HookrelayError): Record<string, string> {
  if (failure.code === "ERR_UNAVAILABLE") return { "retry-after": "1" };
  if (failure.code === "ERR_TOO_MANY_REQUESTS") return { "retry-after": "60" };
  return {};
}

/** Elysia's schema errors, as JSON pointers into the body or `query:`/`header:` names. */
function fromValidation(error: Readonly<ValidationError>): HookrelayError {
  const where = error.type === "body" ? "" : `${error.type === "params" ? "path" : error.type}:`;
  const seen = new Set<string>();
  const fields: FieldError[] = [];
  for (const reported of error.all) {
    const issue = deepestUnionIssue(reported);
    const path = "path" in issue && typeof issue.path === "string" ? issue.path : "";
    const field = where ? `${where}${path.replace(/^\//, "")}` : path || "/";
    if (seen.has(field)) continue;
    seen.add(field);
    fields.push({ field, message: describeIssue(issue) });
  }
  return validationError(
    fields.length > 0 ? fields : [{ field: where || "/", message: "is invalid" }],
  );
}

type Issue = ValidationError["all"][number];

/**
 * A value that fits no member of a union (an object-or-null field, say) is reported at the
 * union; the member whose error goes deepest says better which field is wrong.
 */
function deepestUnionIssue(issue: Issue): Issue {
  const variants = (issue as { errors?: Iterable<Issue>[] }).errors;
  if (!Array.isArray(variants)) return issue;
  let best = issue;
  for (const variant of variants) {
    for (const inner of variant) {
      const depth = (inner as { path?: string }).path?.length ?? 0;
      if (depth > ((best as { path?: string }).path?.length ?? 0)) best = inner;
    }
  }
  return best;
}

function describeIssue(issue: Issue): string {
  const message = "message" in issue && typeof issue.message === "string" ? issue.message : "";
  if (/unexpected property|additional properties/i.test(message)) return "is not a known field";
  const range = integerRange(issue);
  if (range) return range;
  if (/union/i.test(message)) {
    const allowed = literalChoices(issue);
    return allowed ? `must be one of ${allowed}` : "is not one of the allowed values";
  }
  return message ? message.charAt(0).toLowerCase() + message.slice(1) : "is invalid";
}

interface SchemaPart {
  type?: unknown;
  minimum?: unknown;
  maximum?: unknown;
  anyOf?: SchemaPart[];
}

/**
 * Elysia's `t.Integer` is a union (a numeric string or an integer, for coercion), so a value
 * out of range fails as "expected union value"; the bounds, found in the union or one level
 * below it (an integer-or-null field), say what would be accepted.
 */
function integerRange(issue: Issue): string | undefined {
  const schema = (issue as { schema?: SchemaPart }).schema;
  if (!schema) return undefined;
  const members = schema.anyOf ?? [];
  const integer = [schema, ...members, ...members.flatMap((member) => member.anyOf ?? [])].find(
    (part) =>
      part.type === "integer" &&
      typeof part.minimum === "number" &&
      typeof part.maximum === "number",
  );
  if (!integer) return undefined;
  const orNull = members.some((member) => member.type === "null") ? " or null" : "";
  return `must be an integer from ${integer.minimum} to ${integer.maximum}${orNull}`;
}

/** A union of literals (a status filter, say) as `"a", "b" or "c"`; undefined otherwise. */
function literalChoices(issue: Issue): string | undefined {
  const members = (issue as { schema?: { anyOf?: { const?: unknown }[] } }).schema?.anyOf;
  if (!members || members.length === 0) return undefined;
  if (!members.every((member) => typeof member.const === "string")) return undefined;
  const quoted = members.map((member) => JSON.stringify(member.const));
  return quoted.length === 1 ? quoted[0] : `${quoted.slice(0, -1).join(", ")} or ${quoted.at(-1)}`;
}

/**
 * Elysia's validator, describing a value that failed its schema, calls the value's own
 * `toString`/`valueOf`; JSON such as `{"until":{"toString":false}}` makes that throw. The
 * request is still just invalid input, so it gets a 422 rather than a 500.
 */
function isUncheckableValue(error: unknown): boolean {
  return (
    error instanceof TypeError &&
    /No default value|Cannot convert object to primitive value/.test(error.message)
  );
}

/** Drizzle's query errors carry the SQL and its bound values; logs get the cause only. */
function withoutQuery(error: unknown): unknown {
  if (error && typeof error === "object" && "query" in error && "params" in error) {
    const cause = (error as { cause?: unknown }).cause;
    return cause ?? { message: "database query failed" };
  }
  return error;
}
