/**
 * Slows down token guessing: a client address that fails authentication more than
 * `perMinute` times within a minute gets 429 with Retry-After on every /v1 request until
 * the minute is over. Counts live in memory, bounded: old windows are dropped when the map
 * grows, so a flood of addresses cannot exhaust memory.
 */
import { HookrelayError } from "../errors/hookrelay-error.ts";

const windowMs = 60_000;
const maxTracked = 10_000;

interface Window {
  startedAt: number;
  failures: number;
}

export class AuthFailureLimiter {
  readonly #perMinute: number;
  readonly #windows = new Map<string, Window>();

  constructor(perMinute: number) {
    this.#perMinute = perMinute;
  }

  /** Throws 429 while `client` is over its failure budget. */
  assertAllowed(client: string, now = Date.now()): void {
    const window = this.#windows.get(client);
    if (!window || now - window.startedAt >= windowMs) return;
    if (window.failures < this.#perMinute) return;
    const retryAfterSeconds = Math.ceil((window.startedAt + windowMs - now) / 1000);
    throw new HookrelayError("ERR_TOO_MANY_REQUESTS", "too many failed authentications", {
      detail: `Too many failed authentications from this address; retry in ${retryAfterSeconds} s`,
    });
  }

  recordFailure(client: string, now = Date.now()): void {
    const window = this.#windows.get(client);
    if (window && now - window.startedAt < windowMs) {
      window.failures++;
      return;
    }
    if (this.#windows.size >= maxTracked) this.#dropExpired(now);
    this.#windows.set(client, { startedAt: now, failures: 1 });
  }

  #dropExpired(now: number): void {
    for (const [client, window] of this.#windows) {
      if (now - window.startedAt >= windowMs) this.#windows.delete(client);
    }
    // Still full of fresh windows: forget the oldest half rather than grow without bound.
    if (this.#windows.size >= maxTracked) {
      let drop = this.#windows.size / 2;
      for (const client of this.#windows.keys()) {
        if (drop-- <= 0) break;
        this.#windows.delete(client);
      }
    }
  }
}
