/**
 * What an attempt's outcome says in logs and metrics: each attempt at debug, a failure at
 * warn, the state changes an operator cares about (dead letter, endpoint disabled or
 * recovered) at info.
 */
import type { EndpointHealthChange } from "../db/attempt-store.ts";
import type { ClaimedDelivery } from "../db/claim-store.ts";
import type { Logger } from "../observability/logger.ts";
import { relayMetrics } from "../observability/metrics.ts";
import { maxErrorReasonLength } from "../delivery/send-attempt.ts";
import type { buildAttemptResult } from "./attempt-result.ts";

export function logAttemptOutcome(
  log: Logger,
  delivery: ClaimedDelivery,
  result: ReturnType<typeof buildAttemptResult>,
  change: EndpointHealthChange,
): void {
  const fields = {
    deliveryId: delivery.id,
    eventId: delivery.eventId,
    endpointId: delivery.endpointId,
    attempt: result.attempt.attempt,
    status: result.attempt.statusCode,
    error: result.attempt.error,
    durationMs: result.attempt.durationMs,
    // Without an answer to show, the attempt's response body holds why (refused, reset, TLS).
    ...(result.attempt.error === null
      ? {}
      : { errorReason: result.attempt.responseBody?.slice(0, maxErrorReasonLength) ?? null }),
  };
  log.debug(fields, "attempt finished");
  relayMetrics.recordAttempt(delivery.endpointId, result.delivery.status, fields.durationMs);
  if (result.delivery.status !== "succeeded") log.warn(fields, "attempt failed");
  if (result.delivery.status === "dead") log.info(fields, "delivery dead-lettered");
  if (change.disabled) {
    log.info({ endpointId: delivery.endpointId, reason: change.disabled }, "endpoint disabled");
  }
  if (change.recovered) log.info({ endpointId: delivery.endpointId }, "endpoint recovered");
}
