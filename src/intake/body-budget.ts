/**
 * Bounds the bytes of request bodies the relay holds at once. A body is in memory several
 * times over while it is read, parsed, hashed and written, and `server.max_body` bounds only
 * one request, not how many arrive together: without this, a few hundred concurrent 1 MiB
 * publishes could take the relay past its memory. Over the bound, a new request is answered
 * 503 with Retry-After before its body is read; nothing it sent is stored, so a sender that
 * retries loses nothing.
 */
import { HookrelayError } from "../errors/hookrelay-error.ts";
import { relayMetrics } from "../observability/metrics.ts";

export class BodyBudget {
  #heldBytes = 0;
  readonly #capacityBytes: () => number;

  /** `capacityBytes` is read on every request, so a reload takes effect at once. */
  constructor(capacityBytes: () => number) {
    this.#capacityBytes = capacityBytes;
  }

  get heldBytes(): number {
    return this.#heldBytes;
  }

  /**
   * Runs `work` with `bytes` counted as held until it settles, or refuses at once if they do
   * not fit. When nothing is held, any one request fits, so a `max_body` larger than the
   * budget still lets requests through one at a time.
   */
  async hold<T>(bytes: number, work: () => Promise<T>): Promise<T> {
    if (bytes <= 0) return work();
    const capacity = this.#capacityBytes();
    if (this.#heldBytes > 0 && this.#heldBytes + bytes > capacity) {
      relayMetrics.countBodyRefused();
      throw new HookrelayError("ERR_UNAVAILABLE", "too many request bodies in flight", {
        detail:
          "The relay holds as many request bodies as server.max_bodies_in_flight allows; " +
          "nothing of this request was stored. Retry shortly.",
      });
    }
    this.#heldBytes += bytes;
    relayMetrics.setBodiesHeld(this.#heldBytes);
    try {
      return await work();
    } finally {
      this.#heldBytes -= bytes;
      relayMetrics.setBodiesHeld(this.#heldBytes);
    }
  }
}

/**
 * The bytes a request's body will take: its Content-Length, or for a chunked body the most
 * it may grow to, since it is cut off only at that cap. No body, nothing.
 */
export function expectedBodyBytes(request: Request, maxBytes: number): number {
  const declared = Number(request.headers.get("content-length") ?? Number.NaN);
  if (Number.isFinite(declared) && declared >= 0) return Math.min(declared, maxBytes);
  return request.body ? maxBytes : 0;
}
