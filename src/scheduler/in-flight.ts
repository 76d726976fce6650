/**
 * The attempts running now, counted in all and per endpoint: what the two concurrency limits
 * are checked against. An attempt counts from its start until its outcome is recorded.
 */
import type { ClaimedDelivery } from "../db/claim-store.ts";

interface Running {
  endpointId: string;
  abort: AbortController;
  done: Promise<void>;
}

export class InFlightAttempts {
  readonly #byDelivery = new Map<string, Running>();
  readonly #perEndpoint = new Map<string, number>();

  get size(): number {
    return this.#byDelivery.size;
  }

  has(deliveryId: string): boolean {
    return this.#byDelivery.has(deliveryId);
  }

  deliveryIds(): string[] {
    return [...this.#byDelivery.keys()];
  }

  loadOf(endpointId: string): number {
    return this.#perEndpoint.get(endpointId) ?? 0;
  }

  /** Endpoints with as many attempts running as `limitOf` allows them, or more. */
  fullEndpoints(limitOf: (endpointId: string) => number): string[] {
    return [...this.#perEndpoint].filter(([id, load]) => load >= limitOf(id)).map(([id]) => id);
  }

  /**
   * Runs `attempt` and counts it until it settles; then `settled` is told how many attempts
   * its endpoint had running with it, so the caller can tell whether a limit was reached.
   */
  start(
    delivery: ClaimedDelivery,
    attempt: (signal: AbortSignal) => Promise<void>,
    settled: (endpointLoadBefore: number) => void,
  ): void {
    const { endpointId } = delivery;
    const abort = new AbortController();
    this.#perEndpoint.set(endpointId, this.loadOf(endpointId) + 1);
    const done = attempt(abort.signal).finally(() => {
      this.#byDelivery.delete(delivery.id);
      const before = this.loadOf(endpointId);
      if (before > 1) this.#perEndpoint.set(endpointId, before - 1);
      else this.#perEndpoint.delete(endpointId);
      settled(before);
    });
    this.#byDelivery.set(delivery.id, { endpointId, abort, done });
  }

  /** Waits for the attempts running now to settle, for at most `graceMs`. */
  async settle(graceMs: number): Promise<void> {
    const pending = [...this.#byDelivery.values()].map((running) => running.done);
    let timer: Timer | undefined;
    const grace = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, graceMs);
    });
    await Promise.race([Promise.all(pending), grace]);
    clearTimeout(timer);
  }

  /** Aborts every attempt still running and waits for each; returns their delivery ids. */
  async abortAll(): Promise<string[]> {
    const unfinished = [...this.#byDelivery.entries()];
    for (const [, running] of unfinished) running.abort.abort();
    await Promise.all(unfinished.map(([, running]) => running.done));
    return unfinished.map(([id]) => id);
  }
}
