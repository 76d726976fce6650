/**
 * Turns a claimed delivery into the request to send: the endpoint's transform (if any) picks
 * the body, then its signer adds headers over exactly those bytes. A plugin that throws or
 * overruns yields a `plugin_error` instead of a request; a transform may skip the delivery.
 */
import type { ClaimedDelivery } from "../db/claim-store.ts";
import { HookrelayError } from "../errors/hookrelay-error.ts";
import type { PluginRegistry } from "../plugins/plugin-registry.ts";
import { isReservedHeader } from "./reserved-headers.ts";

export type PreparedRequest =
  | { kind: "send"; headers: Record<string, string>; body: Uint8Array }
  | { kind: "skip"; reason: string }
  | { kind: "plugin_error"; message: string };

export interface PrepareOptions {
  userAgent: string;
  now: number;
}

const encoder = new TextEncoder();

export async function prepareRequest(
  delivery: ClaimedDelivery,
  plugins: PluginRegistry,
  options: PrepareOptions,
): Promise<PreparedRequest> {
  try {
    let body = delivery.body;
    let contentType = delivery.contentType;
    let transformHeaders: Record<string, string> = {};
    if (delivery.transform) {
      const result = await plugins.transform(delivery.transform.plugin, {
        event: {
          id: delivery.eventId,
          type: delivery.eventType,
          createdAt: new Date(delivery.eventCreatedAt).toISOString(),
          payload: readPayload(delivery),
          body: delivery.body,
          contentType: delivery.contentType,
        },
        endpoint: { id: delivery.endpointId, url: delivery.url },
        options: delivery.transform.options,
      });
      if (!isObject(result) || !("skip" in result || "body" in result)) {
        return pluginFailure(`transform ${delivery.transform.plugin} returned no {body} or {skip}`);
      }
      if ("skip" in result) return { kind: "skip", reason: result.reason ?? "skipped" };
      ({ body, contentType } = encodeTransformedBody(result.body, result.contentType));
      transformHeaders = result.headers ?? {};
    }
    // A provider's own signature only holds for the bytes it signed: forward its headers with
    // the original body, not with a transformed one.
    const forwarded = delivery.transform ? {} : delivery.eventHeaders;
    const headers: Record<string, string> = { ...forwarded };
    for (const [name, value] of Object.entries({ ...delivery.headers, ...transformHeaders })) {
      if (!isReservedHeader(name)) headers[name.toLowerCase()] = String(value);
    }
    headers["content-type"] = contentType;
    headers["user-agent"] = options.userAgent;
    // Whatever the signing scheme, a receiver can dedupe on the event id and see a retry for
    // what it is: not every scheme carries an id (hmac, a plugin's own), none the attempt.
    headers["hookrelay-event-id"] = delivery.eventId;
    headers["hookrelay-attempt"] = String(delivery.attemptCount + 1);
    const signature = await plugins.sign(delivery.signing.plugin, {
      eventId: delivery.eventId,
      timestampSeconds: Math.floor(options.now / 1000),
      body,
      secrets: activeSecrets(delivery, options.now),
      options: delivery.signing.options,
    });
    if (!isObject(signature)) {
      return pluginFailure(`signer ${delivery.signing.plugin} returned no headers object`);
    }
    // A signer sets its scheme's headers (webhook-* included), never the relay's own: an
    // hmac `header` option naming `hookrelay-event-id` or `content-type` must not replace it.
    const signed = Object.fromEntries(
      Object.entries(lowerCaseKeys(signature)).filter(
        ([name]) => name.startsWith("webhook-") || !isReservedHeader(name),
      ),
    );
    // A forwarded provider header that the destination's own signer also sets (GitHub to
    // GitHub, say) stays, renamed, so the original signature can still be checked.
    for (const name of Object.keys(signed)) {
      const original = forwarded[name];
      if (original !== undefined) headers[`x-original-${name}`] = original;
    }
    return { kind: "send", headers: { ...headers, ...signed }, body };
  } catch (error) {
    if (error instanceof HookrelayError && error.code === "ERR_PLUGIN") {
      return { kind: "plugin_error", message: error.message };
    }
    throw error;
  }
}

/** The current secret, then each rotated-out one whose overlap lasts, newest first. */
export function activeSecrets(delivery: ClaimedDelivery, now: number): string[] {
  const overlapping = delivery.previousSecrets.filter((previous) => previous.expiresAt > now);
  return [delivery.secret, ...overlapping.map((previous) => previous.secret)];
}

function readPayload(delivery: ClaimedDelivery): unknown {
  if (!/json/i.test(delivery.contentType)) return undefined;
  try {
    const parsed = JSON.parse(new TextDecoder().decode(delivery.body)) as unknown;
    // An outbound event's body is the Standard Webhooks envelope; its payload is `data`.
    if (delivery.isEnvelope && parsed && typeof parsed === "object" && "data" in parsed) {
      return (parsed as { data: unknown }).data;
    }
    return parsed;
  } catch {
    return undefined;
  }
}

function encodeTransformedBody(
  body: Uint8Array | string | Record<string, unknown> | unknown[],
  contentType: string | undefined,
): { body: Uint8Array; contentType: string } {
  if (body instanceof Uint8Array) {
    return { body, contentType: contentType ?? "application/octet-stream" };
  }
  if (typeof body === "string") {
    return { body: encoder.encode(body), contentType: contentType ?? "text/plain; charset=utf-8" };
  }
  return {
    body: encoder.encode(JSON.stringify(body)),
    contentType: contentType ?? "application/json",
  };
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function pluginFailure(message: string): PreparedRequest {
  return { kind: "plugin_error", message };
}
