/**
 * Turns the answer of one attempt into the rows to write: the attempt itself and the new
 * state of the delivery. Pure, so every branch of the state machine is unit-tested.
 */
import type { AttemptResult } from "../db/attempt-store.ts";
import { classifyOutcome } from "../delivery/classify-outcome.ts";
import type { AttemptResponse } from "../delivery/send-attempt.ts";
import { computeRetryDelay, parseRetryAfter, type RetryPolicy } from "./retry-delay.ts";

export interface AttemptContext {
  attemptId: string;
  deliveryId: string;
  /** 1 for the first attempt ever of this delivery. */
  attemptNumber: number;
  /** Attempts already failed in the current retry schedule. */
  scheduleStep: number;
  now: number;
  policy: RetryPolicy;
  retryClientErrors: boolean;
  random?: () => number;
}

export function buildAttemptResult(
  response: AttemptResponse,
  context: AttemptContext,
): AttemptResult {
  const retryAfterMs = parseRetryAfter(response.retryAfter, context.now);
  const attempt = {
    id: context.attemptId,
    deliveryId: context.deliveryId,
    attempt: context.attemptNumber,
    startedAt: response.startedAt,
    durationMs: response.durationMs,
    statusCode: response.statusCode,
    error: response.error,
    retryAfterMs: retryAfterMs ?? null,
    responseBody: response.responseBody,
    responseBodyTruncated: response.responseBodyTruncated,
  };
  const last = { lastStatusCode: response.statusCode, lastError: response.error };
  const outcome = classifyOutcome(response, {
    retryClientErrors: context.retryClientErrors,
    retryAfterMs,
  });
  if (outcome.kind === "succeeded") {
    const delivery = { status: "succeeded" as const, nextAttemptAt: null, finishedAt: context.now };
    return { attempt, delivery: { ...delivery, ...last, scheduleStep: context.scheduleStep } };
  }
  const failedInSchedule = context.scheduleStep + 1;
  const delayMs =
    outcome.kind === "retry"
      ? computeRetryDelay(context.policy, failedInSchedule, outcome.retryAfterMs, context.random)
      : undefined;
  if (delayMs === undefined) {
    const delivery = { status: "dead" as const, nextAttemptAt: null, finishedAt: context.now };
    return {
      attempt,
      delivery: { ...delivery, ...last, scheduleStep: failedInSchedule },
      ...(outcome.kind === "dead" && outcome.disableEndpoint
        ? { disableEndpoint: { reason: "gone" } }
        : {}),
    };
  }
  return {
    attempt,
    delivery: {
      status: "pending",
      nextAttemptAt: context.now + delayMs,
      finishedAt: null,
      scheduleStep: failedInSchedule,
      ...last,
    },
  };
}
