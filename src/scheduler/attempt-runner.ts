/**
 * One attempt of one delivery, start to finish: transform and sign, send, turn the answer
 * into the delivery's next state, and write that (batched with the other attempts finishing
 * meanwhile). The scheduler decides when; this decides what happens.
 */
import type { ClaimedDelivery } from "../db/claim-store.ts";
import { markDeliverySkipped } from "../db/attempt-store.ts";
import { newId } from "../db/ids.ts";
import type { WriteQueue } from "../db/write-queue.ts";
import { prepareRequest } from "../delivery/prepare-request.ts";
import { type AttemptResponse, sendAttempt } from "../delivery/send-attempt.ts";
import { HookrelayError } from "../errors/hookrelay-error.ts";
import type { Logger } from "../observability/logger.ts";
import { relayMetrics } from "../observability/metrics.ts";
import type { PluginRegistry } from "../plugins/plugin-registry.ts";
import { logAttemptOutcome } from "./attempt-log.ts";
import { buildAttemptResult } from "./attempt-result.ts";
import type { EndpointGate } from "./endpoint-gate.ts";
import {
  attemptOutcomeBatch,
  type FinishedAttempt,
  type RecordedAttempt,
} from "./outcome-batch.ts";
import type { SchedulerOptions } from "./scheduler-options.ts";

/** What an attempt tells the scheduler, and asks it. */
export interface AttemptEvents {
  /** New deliveries were written (operational events). */
  wake(): void;
  /** A retry is due at `at`. */
  noteDue(at: number): void;
  /** The outcome disabled the endpoint (410 Gone, or failing too long). */
  endpointDisabled(endpointId: string): void;
  stopping(): boolean;
}

export class AttemptRunner {
  readonly #writer: WriteQueue;
  readonly #plugins: PluginRegistry;
  readonly #log: Logger;
  readonly #options: SchedulerOptions;
  readonly #gate: EndpointGate;
  readonly #events: AttemptEvents;
  readonly #outcomes = attemptOutcomeBatch(() => this.#options);

  constructor(
    writer: WriteQueue,
    plugins: PluginRegistry,
    log: Logger,
    options: SchedulerOptions,
    gate: EndpointGate,
    events: AttemptEvents,
  ) {
    this.#writer = writer;
    this.#plugins = plugins;
    this.#log = log;
    this.#options = options;
    this.#gate = gate;
    this.#events = events;
  }

  /**
   * Whatever happens, the endpoint's gate hears how the attempt ended: an attempt that got
   * no answer from the receiver (skipped, plugin error, shutdown, a failed write) must still
   * end a half-open probe, or the breaker would wait for that probe forever.
   */
  async run(delivery: ClaimedDelivery, signal: AbortSignal): Promise<void> {
    let answered = false;
    try {
      answered = await this.#attempt(delivery, signal);
    } finally {
      if (!answered) this.#gate.abandon(delivery.endpointId);
    }
  }

  /** @returns true when the receiver's answer was recorded and told to the gate. */
  async #attempt(delivery: ClaimedDelivery, signal: AbortSignal): Promise<boolean> {
    const startedAt = Date.now();
    const prepared = await prepareRequest(delivery, this.#plugins, {
      userAgent: this.#options.userAgent,
      now: startedAt,
    });
    if (prepared.kind === "skip") {
      await this.#writer.run((tx) => markDeliverySkipped(tx, delivery.id, Date.now()));
      this.#log.info({ deliveryId: delivery.id, reason: prepared.reason }, "delivery skipped");
      relayMetrics.recordSkipped();
      return false;
    }
    const response =
      prepared.kind === "send"
        ? await sendAttempt({
            url: delivery.url,
            policy: this.#options.destinationPolicy,
            headers: prepared.headers,
            body: prepared.body,
            timeoutMs: this.#options.attemptTimeoutMs,
            responseBodyMaxBytes: this.#options.responseBodyMaxBytes,
            signal,
          })
        : pluginFailure(startedAt, prepared.message, this.#options.responseBodyMaxBytes);
    // Shutting down: record nothing, the lease is released and the next start sends it.
    if (response.error === "aborted") return false;
    const now = Date.now();
    const result = buildAttemptResult(response, {
      attemptId: newId("att"),
      deliveryId: delivery.id,
      attemptNumber: delivery.attemptCount + 1,
      scheduleStep: delivery.scheduleStep,
      now,
      policy: this.#options.retryPolicy,
      retryClientErrors: this.#options.retryClientErrors,
    });
    const { change, emitted } = await this.#recordWithRetry({
      record: {
        deliveryId: delivery.id,
        endpointId: delivery.endpointId,
        result,
        countsAsFailure: response.error !== "plugin_error",
        now,
      },
      facts: {
        deliveryId: delivery.id,
        eventId: delivery.eventId,
        endpointId: delivery.endpointId,
        dead: result.delivery.status === "dead",
        attempts: delivery.attemptCount + 1,
        lastStatusCode: result.delivery.lastStatusCode,
        lastError: result.delivery.lastError,
      },
    });
    if (emitted > 0) this.#events.wake();
    if (change.disabled) this.#events.endpointDisabled(delivery.endpointId);
    if (result.delivery.status === "pending" && result.delivery.nextAttemptAt !== null) {
      this.#events.noteDue(result.delivery.nextAttemptAt);
    }
    logAttemptOutcome(this.#log, delivery, result, change);
    if (response.error === "plugin_error") return false;
    const breaker = this.#gate.record(
      delivery.endpointId,
      result.delivery.status === "succeeded",
      now,
    );
    if (breaker) {
      this.#log.info(
        { endpointId: delivery.endpointId, cooldownMs: this.#options.gate.breakerCooldownMs },
        breaker === "opened" ? "endpoint circuit opened" : "endpoint circuit closed",
      );
    }
    return true;
  }

  /**
   * Writes an attempt's result, retrying while the database refuses writes (a full disk):
   * the attempt was made, so its outcome must not be dropped, and giving up would leave the
   * lease to expire before anyone looked at the delivery again. Gives up only at shutdown,
   * when the lease is the fallback.
   */
  async #recordWithRetry(finished: FinishedAttempt): Promise<RecordedAttempt> {
    const deliveryId = finished.record.deliveryId;
    for (let delayMs = 100; ; delayMs = Math.min(delayMs * 2, 2_000)) {
      try {
        return await this.#writer.runBatched(this.#outcomes, finished);
      } catch (error) {
        const unavailable = error instanceof HookrelayError && error.code === "ERR_UNAVAILABLE";
        if (!unavailable || this.#events.stopping()) throw error;
        this.#log.warn({ deliveryId, retryInMs: delayMs }, "recording an attempt failed; retrying");
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
    }
  }
}

/** A plugin failure recorded like a failed attempt, so it follows the retry schedule. */
function pluginFailure(startedAt: number, message: string, maxBytes: number): AttemptResponse {
  return {
    startedAt,
    durationMs: Date.now() - startedAt,
    statusCode: null,
    error: "plugin_error",
    retryAfter: null,
    responseBody: message.slice(0, maxBytes),
    responseBodyTruncated: message.length > maxBytes,
  };
}
