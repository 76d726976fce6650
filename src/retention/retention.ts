/**
 * Retention: every `retentionIntervalMs`, one pass deletes finished events past their age
 * (see src/db/retention-store.ts for which ones). Each batch is its own job on the single
 * writer and the pass yields between batches, so publishes and attempt results queued
 * meanwhile commit between two batches instead of waiting for the whole pass.
 */
import type { WriteQueue } from "../db/write-queue.ts";
import { type PruneCursor, pruneBatch } from "../db/retention-store.ts";
import type { Logger } from "../observability/logger.ts";
import { relayMetrics } from "../observability/metrics.ts";
import { idempotencyWindowMs, shortestRetentionMs } from "./retention-bounds.ts";

export interface RetentionSettings {
  retentionSucceededMs: number;
  retentionDeadMs: number;
  /** 0: never run. */
  retentionIntervalMs: number;
  retentionBatchSize: number;
}

export interface PruneTotals {
  events: number;
  deliveries: number;
  attempts: number;
}

export class Retention {
  readonly #writer: WriteQueue;
  readonly #log: Logger;
  readonly #settings: () => RetentionSettings;
  readonly #now: () => number;
  #timer: Timer | undefined;
  #running: Promise<PruneTotals> | undefined;
  #stopping = false;
  #warnedForMs: number | undefined;

  constructor(
    writer: WriteQueue,
    log: Logger,
    settings: () => RetentionSettings,
    now: () => number = Date.now,
  ) {
    this.#writer = writer;
    this.#log = log;
    this.#settings = settings;
    this.#now = now;
  }

  /** Arms the timer from the current interval; called again after a reload changes it. */
  schedule(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const intervalMs = this.#settings().retentionIntervalMs;
    this.#warnIfShorterThanIdempotency();
    if (this.#stopping || intervalMs <= 0) return;
    this.#timer = setTimeout(() => {
      this.runPass()
        .catch((error: unknown) => this.#log.error({ err: error }, "retention pass failed"))
        .finally(() => this.schedule());
    }, intervalMs);
  }

  /** One pass over everything old enough; a pass already running is joined, not doubled. */
  runPass(): Promise<PruneTotals> {
    this.#running ??= this.#pass().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  /** Stops the timer and lets a running pass end after its current batch. */
  async stop(): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#timer);
    await this.#running?.catch(() => undefined);
  }

  /** Once per setting (schedule runs after every pass too), not on every pass. */
  #warnIfShorterThanIdempotency(): void {
    const keptMs = shortestRetentionMs(this.#settings());
    if (keptMs === undefined || keptMs >= idempotencyWindowMs || keptMs === this.#warnedForMs) {
      return;
    }
    this.#warnedForMs = keptMs;
    this.#log.warn(
      { retentionMs: keptMs, idempotencyWindowMs },
      "retention is shorter than the 24 h idempotency window: keys and inbound delivery ids " +
        "are forgotten with their event",
    );
  }

  async #pass(): Promise<PruneTotals> {
    const settings = this.#settings();
    const startedAt = this.#now();
    const cutoffs = {
      finishedBefore: startedAt - settings.retentionSucceededMs,
      deadBefore: startedAt - settings.retentionDeadMs,
    };
    const totals: PruneTotals = { events: 0, deliveries: 0, attempts: 0 };
    let cursor: PruneCursor | undefined;
    do {
      const batch = await this.#writer.run((tx) =>
        pruneBatch(tx, cutoffs, cursor, settings.retentionBatchSize),
      );
      totals.events += batch.events;
      totals.deliveries += batch.deliveries;
      totals.attempts += batch.attempts;
      relayMetrics.recordPruned(batch);
      cursor = batch.cursor;
      await new Promise((resolve) => setImmediate(resolve));
    } while (cursor && !this.#stopping);
    relayMetrics.recordPrunePass(this.#now());
    const fields = { ...totals, durationMs: this.#now() - startedAt };
    if (totals.events > 0) this.#log.info(fields, "retention pruned old events");
    else this.#log.debug(fields, "retention found nothing to prune");
    return totals;
  }
}
