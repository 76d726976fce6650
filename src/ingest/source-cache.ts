/**
 * The sources the ingest route looks up by name on every request, kept for a second. Each
 * lookup was a query with its secrets opened, a sixth of the relay's time per inbound
 * request (bench scenario 8). Every change made through this relay (API, config file)
 * forgets the cache at once; a change written by another process is seen within `ttlMs`.
 */
import type { Orm } from "../db/client.ts";
import type { SourceRow } from "../db/schema.ts";
import { findSourceByName } from "../db/source-store.ts";

interface Entry {
  source: SourceRow | undefined;
  readAt: number;
}

export class SourceCache {
  readonly #orm: Orm;
  readonly #ttlMs: number;
  #entries = new Map<string, Entry>();

  constructor(orm: Orm, ttlMs = 1_000) {
    this.#orm = orm;
    this.#ttlMs = ttlMs;
  }

  /** The live source with this name, or undefined; unknown names are remembered too. */
  async find(name: string, now = Date.now()): Promise<SourceRow | undefined> {
    const known = this.#entries.get(name);
    if (known && now - known.readAt < this.#ttlMs) return known.source;
    const generation = this.#entries;
    const source = await findSourceByName(this.#orm, name);
    // A forget() while reading means this row may already be stale: do not keep it.
    if (generation === this.#entries) {
      // Unknown names count too, so a flood to /in/<typo> costs one query a second.
      if (this.#entries.size >= 10_000) this.#entries.clear();
      this.#entries.set(name, { source, readAt: now });
    }
    return source;
  }

  /** A source was created, changed or deleted. */
  forget(): void {
    this.#entries = new Map();
  }
}
