/**
 * Per-endpoint admission on top of the concurrency limits: a circuit breaker, so a dead
 * receiver does not burn attempts (after N failures in a row it is left alone for a cool-down,
 * then one probe decides), and an optional rate limit (a token bucket of `rate` per second).
 * Deliveries of a blocked endpoint are simply not claimed: they wait, due, and lose nothing.
 * State is in memory; a restart closes every breaker, which at worst costs one probe each.
 */
export interface GateOptions {
  breakerFailures: number;
  breakerCooldownMs: number;
}

interface EndpointState {
  failures: number;
  /** While now < openUntil the breaker is open. */
  openUntil: number;
  /** The half-open probe is in flight. */
  probing: boolean;
  ratePerSecond: number | null;
  tokens: number;
  refilledAt: number;
}

export type BreakerChange = "opened" | "closed" | undefined;

/**
 * Failures in a row after which an endpoint gets one attempt at a time until a success. A
 * receiver that hangs holds each slot it gets for a whole attempt timeout; at its full
 * per-endpoint share, a few such endpoints would fill the global limit and hold every healthy
 * endpoint back until their breakers open. Three in a row is rare for a receiver that merely
 * fails now and then (under 1 % at a 20 % failure rate).
 */
export const singleFileAfterFailures = 3;

export class EndpointGate {
  readonly #options: GateOptions;
  readonly #states = new Map<string, EndpointState>();

  constructor(options: GateOptions) {
    this.#options = options;
  }

  /** How many attempts the endpoint may have in flight: its share, or one while failing. */
  concurrencyFor(endpointId: string, share: number): number {
    const failures = this.#states.get(endpointId)?.failures ?? 0;
    return failures >= singleFileAfterFailures ? 1 : share;
  }

  /** Endpoints whose deliveries must not be claimed right now. */
  blocked(now: number): string[] {
    const ids: string[] = [];
    for (const [id, state] of this.#states) {
      if (state.probing || state.openUntil > now || !hasToken(state, now)) ids.push(id);
    }
    return ids;
  }

  /** The earliest time a time-blocked endpoint opens up again (cool-down end, next token). */
  nextChangeAt(now: number): number | undefined {
    let next = Number.POSITIVE_INFINITY;
    for (const state of this.#states.values()) {
      if (state.openUntil > now) next = Math.min(next, state.openUntil);
      else if (!state.probing && !hasToken(state, now)) next = Math.min(next, nextTokenAt(state));
    }
    return Number.isFinite(next) ? next : undefined;
  }

  /**
   * Asks to send one attempt now: takes a token when the endpoint is rate limited, and turns
   * an expired open breaker into the single half-open probe.
   */
  admit(endpointId: string, ratePerSecond: number | null, now: number): boolean {
    const state = this.#state(endpointId, now);
    if (state.ratePerSecond !== ratePerSecond) {
      state.ratePerSecond = ratePerSecond;
      state.tokens = ratePerSecond === null ? 0 : Math.max(1, ratePerSecond);
      state.refilledAt = now;
    }
    if (state.probing || state.openUntil > now || !hasToken(state, now)) return false;
    if (state.ratePerSecond !== null) state.tokens -= 1;
    if (state.failures >= this.#options.breakerFailures) state.probing = true;
    return true;
  }

  /**
   * An admitted attempt ended without an answer from the receiver (skipped by a transform, a
   * plugin error, shutdown): it decides nothing, but a probe it was must let the next one go.
   */
  abandon(endpointId: string): void {
    const state = this.#states.get(endpointId);
    if (state) state.probing = false;
  }

  record(endpointId: string, succeeded: boolean, now: number): BreakerChange {
    const state = this.#states.get(endpointId);
    if (!state) return undefined;
    const wasOpen = state.failures >= this.#options.breakerFailures;
    state.probing = false;
    if (succeeded) {
      state.failures = 0;
      state.openUntil = 0;
      if (state.ratePerSecond === null) this.#states.delete(endpointId);
      return wasOpen ? "closed" : undefined;
    }
    state.failures += 1;
    if (state.failures < this.#options.breakerFailures) return undefined;
    state.openUntil = now + this.#options.breakerCooldownMs;
    return wasOpen ? undefined : "opened";
  }

  #state(endpointId: string, now: number): EndpointState {
    let state = this.#states.get(endpointId);
    if (!state) {
      state = {
        failures: 0,
        openUntil: 0,
        probing: false,
        ratePerSecond: null,
        tokens: 0,
        refilledAt: now,
      };
      this.#states.set(endpointId, state);
    }
    return state;
  }
}

/** Refills the bucket for the time passed; true when a send may take a token. */
function hasToken(state: EndpointState, now: number): boolean {
  const rate = state.ratePerSecond;
  if (rate === null) return true;
  const capacity = Math.max(1, rate);
  state.tokens = Math.min(capacity, state.tokens + ((now - state.refilledAt) / 1000) * rate);
  state.refilledAt = now;
  return state.tokens >= 1;
}

function nextTokenAt(state: EndpointState): number {
  const rate = state.ratePerSecond ?? 1;
  return state.refilledAt + Math.ceil(((1 - state.tokens) * 1000) / rate);
}
