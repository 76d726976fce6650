/**
 * Handed-off deliveries that found every slot taken: leased, in memory, in arrival order,
 * waiting for an attempt of their endpoint to finish. At full load this is how new
 * deliveries reach the sender without a claim query re-reading what the publish just wrote.
 * Kept short (one extra round per endpoint), so a lease written at publish outlasts the wait.
 */
import type { ClaimedDelivery } from "../db/claim-store.ts";

export type WaitingVerdict = "start" | "wait" | "give back";

/** A promise forgotten after this long belonged to a publish whose write failed. */
const promiseLifetimeMs = 60_000;

export class ReadyQueue {
  #items: ClaimedDelivery[] = [];
  readonly #perEndpoint = new Map<string, number>();
  /** Deliveries a publish is writing leased to this process, until adopted after the sync. */
  readonly #promised = new Map<string, { endpointId: string; at: number }>();

  /** A publish is writing this delivery leased: its room is taken until `fulfil`. */
  promise(deliveryId: string, endpointId: string, now: number): void {
    this.#promised.set(deliveryId, { endpointId, at: now });
  }

  fulfil(deliveryId: string): void {
    this.#promised.delete(deliveryId);
  }

  /**
   * Promised deliveries per endpoint, and their total. Batches committed during one WAL sync
   * are adopted together after it, so what earlier ones were promised is not free for later.
   */
  promisedCounts(now: number): { total: number; byEndpoint: Map<string, number> } {
    const byEndpoint = new Map<string, number>();
    for (const [id, { endpointId, at }] of this.#promised) {
      if (at < now - promiseLifetimeMs) this.#promised.delete(id);
      else byEndpoint.set(endpointId, (byEndpoint.get(endpointId) ?? 0) + 1);
    }
    return { total: this.#promised.size, byEndpoint };
  }

  /** Every delivery this queue holds a lease for: waiting, or promised and not yet adopted. */
  leasedIds(now: number): string[] {
    this.promisedCounts(now);
    return [...this.#items.map((delivery) => delivery.id), ...this.#promised.keys()];
  }

  get size(): number {
    return this.#items.length;
  }

  countFor(endpointId: string): number {
    return this.#perEndpoint.get(endpointId) ?? 0;
  }

  push(delivery: ClaimedDelivery): void {
    this.#items.push(delivery);
    this.#perEndpoint.set(delivery.endpointId, this.countFor(delivery.endpointId) + 1);
  }

  /**
   * Asks `decide` about each waiting delivery, oldest first; removes those it starts or gives
   * back. `decide` starts a delivery itself, so later verdicts see the slots it took.
   * @returns the deliveries given back, whose leases the caller frees.
   */
  sweep(decide: (delivery: ClaimedDelivery) => WaitingVerdict): ClaimedDelivery[] {
    const givenBack: ClaimedDelivery[] = [];
    const kept: ClaimedDelivery[] = [];
    for (const delivery of this.#items) {
      const verdict = decide(delivery);
      if (verdict === "wait") {
        kept.push(delivery);
        continue;
      }
      if (verdict === "give back") givenBack.push(delivery);
      const left = this.countFor(delivery.endpointId) - 1;
      if (left > 0) this.#perEndpoint.set(delivery.endpointId, left);
      else this.#perEndpoint.delete(delivery.endpointId);
    }
    this.#items = kept;
    return givenBack;
  }

  /** Empties the queue (shutdown); returns what was waiting. */
  drain(): ClaimedDelivery[] {
    const items = this.#items;
    this.#items = [];
    this.#perEndpoint.clear();
    return items;
  }
}
