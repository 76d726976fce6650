/**
 * POST /in/:name — the public ingest URL of a source. No bearer token: the source's verifier
 * is the authentication. Order matters: read the raw bytes (capped), verify them before any
 * parsing, fail closed, and answer 2xx only after the event is committed. A verified
 * provider handshake (a URL check wanting a computed answer) is answered and not stored.
 */
import { Elysia } from "elysia";
import type { ApiDeps } from "../api/deps.ts";
import type { SourceRow } from "../db/schema.ts";
import { HookrelayError } from "../errors/hookrelay-error.ts";
import { expectedBodyBytes } from "../intake/body-budget.ts";
import { readBeforeDeadline } from "../intake/body-deadline.ts";
import { relayMetrics } from "../observability/metrics.ts";
import { selectForwardHeaders } from "./forward-headers.ts";
import { readRawBody } from "./raw-body.ts";

export function ingestRoute(deps: ApiDeps) {
  return new Elysia().post(
    "/in/:name",
    async ({ params, request }) => {
      deps.disk.assertWritable();
      const source = await deps.sources.find(params.name);
      if (!source) {
        throw new HookrelayError("ERR_NOT_FOUND", "no such source", {
          detail: `No source named ${JSON.stringify(params.name)}`,
        });
      }
      const bytes = expectedBodyBytes(request, source.maxBodyBytes);
      return deps.bodies.ingest.hold(bytes, () => receive(deps, source, request), source.id);
    },
    // The body is read here as raw bytes; no parser may touch it first.
    { parse: "none" },
  );
}

async function receive(deps: ApiDeps, source: SourceRow, request: Request): Promise<Response> {
  const body = await readBeforeDeadline(deps.config.bodyTimeoutMs, (signal) =>
    readRawBody(request, source.maxBodyBytes, signal),
  );
  const headers = Object.fromEntries(request.headers);
  const now = Date.now();
  const verifyInput = { body, headers, url: request.url, now };
  const secrets = await verifyOrThrow(deps, source, verifyInput);
  const handshake = await deps.plugins.handshake(source.verifier.plugin, {
    ...verifyInput,
    secrets,
    options: source.verifier.options,
  });
  if (handshake) {
    // A set-up check, not an event: answering it must not store or forward anything.
    deps.log.info(
      { sourceId: source.id, status: handshake.status ?? 200 },
      "inbound handshake answered",
    );
    return new Response(handshake.body, {
      status: handshake.status ?? 200,
      headers: { "content-type": handshake.contentType || "text/plain; charset=utf-8" },
    });
  }
  const facts = await deps.plugins.describe(source.verifier.plugin, {
    body,
    headers,
    url: request.url,
    options: source.verifier.options,
    now,
  });
  const result = await deps.inbound.receive({
    source,
    eventType: normalizeEventType(facts.eventType ?? typeFromBody(body)),
    dedupeKey: facts.deliveryId,
    body,
    contentType: request.headers.get("content-type") ?? "application/octet-stream",
    headers: selectForwardHeaders(request.headers, source.forwardHeaders),
  });
  if (!result.duplicate) relayMetrics.countInbound();
  deps.log.debug(
    { sourceId: source.id, eventId: result.event.id, duplicate: result.duplicate },
    "inbound event accepted",
  );
  const answerHeaders: Record<string, string> = { "hookrelay-event-id": result.event.id };
  if (result.duplicate) answerHeaders["hookrelay-duplicate"] = "true";
  if (source.response) {
    return new Response(source.response.body, {
      status: source.response.status,
      headers: { ...answerHeaders, "content-type": source.response.contentType },
    });
  }
  return Response.json(
    { id: result.event.id, duplicate: result.duplicate },
    { status: 202, headers: answerHeaders },
  );
}

async function verifyOrThrow(
  deps: ApiDeps,
  source: SourceRow,
  request: { body: Uint8Array; headers: Record<string, string>; url: string; now: number },
): Promise<string[]> {
  const secrets = source.secrets
    .filter((secret) => secret.expiresAt === undefined || secret.expiresAt > request.now)
    .map((secret) => secret.value);
  let outcome: Awaited<ReturnType<typeof deps.plugins.verify>>;
  try {
    outcome = await deps.plugins.verify(source.verifier.plugin, {
      ...request,
      secrets,
      options: source.verifier.options,
    });
  } catch (error) {
    // A verifier that throws fails closed, like a bad signature.
    deps.log.warn({ sourceId: source.id, err: error }, "inbound verifier failed");
    outcome = { ok: false, reason: "bad_signature" };
  }
  if (outcome.ok) return secrets;
  deps.log.warn({ sourceId: source.id, reason: outcome.reason }, "inbound verification failed");
  deps.onInboundRejected?.(source.name, outcome.reason);
  throw new HookrelayError("ERR_SIGNATURE", "inbound verification failed", {
    detail: `Verification failed: ${outcome.reason}`,
  });
}

function typeFromBody(body: Uint8Array): string | undefined {
  if (body.byteLength === 0 || body[0] !== 0x7b) return undefined;
  try {
    const parsed = JSON.parse(new TextDecoder().decode(body)) as { type?: unknown };
    return typeof parsed.type === "string" && parsed.type.length <= 255 ? parsed.type : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Provider event types become hookrelay event types: Shopify's `orders/create` reads
 * `orders.create` so that dot-segment filters work, characters outside the event-type
 * alphabet become `_`, and the length is capped like a published type's.
 */
export function normalizeEventType(type: string | undefined): string {
  if (!type) return "webhook";
  const normalized = type
    .replaceAll("/", ".")
    .replace(/[^A-Za-z0-9_.:-]/g, "_")
    .replace(/\.{2,}/g, ".")
    .replace(/^\.|\.$/g, "")
    .slice(0, 255);
  return normalized || "webhook";
}
