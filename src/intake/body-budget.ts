/**
 * Bounds the bytes of request bodies the relay holds at once. A body is in memory several
 * times over while it is read, parsed, hashed and written, and `server.max_body` bounds only
 * one request, not how many arrive together: without this, a few hundred concurrent 1 MiB
 * publishes could take the relay past its memory. Over the bound, a new request is answered
 * 503 with Retry-After before its body is read; nothing it sent is stored, so a sender that
 * retries loses nothing.
 *
 * The API and the public ingest URLs have a budget each, so that unauthenticated senders to
 * `/in/` cannot starve authenticated publishes; within the ingest budget one source may hold
 * at most half, so that one source's senders (or someone posting slowly to its URL) cannot
 * starve the others. A slow body is cut off by the body deadline (body-deadline.ts), which
 * bounds how long any of it is held.
 */
import { HookrelayError } from "../errors/hookrelay-error.ts";
import { relayMetrics } from "../observability/metrics.ts";

export type BodyPool = "api" | "ingest";

export interface BodyBudgetOptions {
  pool: BodyPool;
  /** Read on every request, so a reload takes effect at once. */
  capacityBytes: () => number;
  /** The most one key (a source) may hold, as a share of the capacity; none: no limit. */
  keyShare?: number;
}

export class BodyBudget {
  #heldBytes = 0;
  readonly #heldByKey = new Map<string, number>();
  readonly #options: BodyBudgetOptions;

  constructor(options: BodyBudgetOptions) {
    this.#options = options;
    relayMetrics.watchBodiesHeld(options.pool, () => this.#heldBytes);
  }

  get heldBytes(): number {
    return this.#heldBytes;
  }

  /**
   * Runs `work` with `bytes` counted as held until it settles, or refuses at once if they do
   * not fit. When nothing is held, any one request fits, so a `max_body` larger than the
   * budget still lets requests through one at a time; the same holds for a key's share.
   */
  async hold<T>(bytes: number, work: () => Promise<T>, key?: string): Promise<T> {
    if (bytes <= 0) return work();
    this.#admit(bytes, key);
    this.#add(bytes, key);
    try {
      return await work();
    } finally {
      this.#add(-bytes, key);
    }
  }

  #admit(bytes: number, key: string | undefined): void {
    const { capacityBytes, keyShare } = this.#options;
    const capacity = capacityBytes();
    const overall = this.#heldBytes > 0 && this.#heldBytes + bytes > capacity;
    const keyHeld = key === undefined ? 0 : (this.#heldByKey.get(key) ?? 0);
    const overShare =
      keyShare !== undefined && keyHeld > 0 && keyHeld + bytes > capacity * keyShare;
    if (!overall && !overShare) return;
    relayMetrics.countBodyRefused(this.#options.pool);
    throw new HookrelayError("ERR_UNAVAILABLE", "too many request bodies in flight", {
      detail:
        `The relay holds as many request bodies${overShare ? " for this source" : ""} as ` +
        "server.max_bodies_in_flight allows; nothing of this request was stored. Retry shortly.",
    });
  }

  #add(bytes: number, key: string | undefined): void {
    this.#heldBytes += bytes;
    if (key !== undefined) {
      const held = (this.#heldByKey.get(key) ?? 0) + bytes;
      if (held > 0) this.#heldByKey.set(key, held);
      else this.#heldByKey.delete(key);
    }
  }
}

/**
 * The bytes a request's body will take: its Content-Length, or for a chunked body the most
 * it may grow to, since it is cut off only at that cap. An encoded body (gzip, deflate) is
 * decoded up to that cap too, whatever it measures on the wire: a kilobyte of gzip can hold
 * a megabyte. No body, nothing.
 */
export function expectedBodyBytes(request: Request, maxBytes: number): number {
  const encoding = request.headers.get("content-encoding")?.trim().toLowerCase() ?? "";
  if (encoding !== "" && encoding !== "identity") return request.body ? maxBytes : 0;
  const declared = Number(request.headers.get("content-length") ?? Number.NaN);
  if (Number.isFinite(declared) && declared >= 0) return Math.min(declared, maxBytes);
  return request.body ? maxBytes : 0;
}
