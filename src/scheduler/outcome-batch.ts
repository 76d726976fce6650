/**
 * Attempt outcomes are written in batches: every attempt that finished while the previous
 * transaction committed shares this one, with one INSERT for the attempts and one UPDATE for
 * their deliveries. The operational events an outcome calls for go in the same transaction.
 */
import {
  type AttemptRecord,
  type EndpointHealthChange,
  type HealthPolicy,
  recordAttempts,
} from "../db/attempt-store.ts";
import type { BatchKind, ItemOutcome } from "../db/write-queue.ts";
import { type AttemptFacts, emitOperationalEvents } from "../intake/operational-events.ts";

export interface FinishedAttempt {
  record: AttemptRecord;
  facts: AttemptFacts;
}

export interface RecordedAttempt {
  change: EndpointHealthChange;
  /** How many operational events the outcome queued. */
  emitted: number;
}

/** `health` is read on every batch, so a reload takes effect at once. */
export function attemptOutcomeBatch(
  health: () => HealthPolicy,
): BatchKind<FinishedAttempt, RecordedAttempt> {
  return {
    name: "attempt outcomes",
    // An outcome lost in a power cut means the attempt is made again: at-least-once anyway.
    // Its slot frees at commit, and the next publish's sync covers it.
    durable: false,
    async run(tx, items) {
      const changes = await recordAttempts(
        tx,
        items.map((item) => item.record),
        health(),
      );
      const outcomes: ItemOutcome<RecordedAttempt>[] = [];
      for (const [index, item] of items.entries()) {
        const change = changes[index] ?? { recovered: false, disabled: undefined };
        const emitted = await emitOperationalEvents(tx, item.facts, change, item.record.now);
        outcomes.push({ ok: true, value: { change, emitted } });
      }
      return outcomes;
    },
  };
}
