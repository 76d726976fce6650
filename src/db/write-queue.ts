/**
 * The single writer. Every write in the relay goes through here, so there is exactly one
 * transaction open at a time (no "database is locked" between our own connections), and
 * writes that arrive while one commits are grouped into the next transaction: one fsync for
 * many publishes and attempt results. Each job runs in its own savepoint, so a job that
 * fails rolls back alone and its neighbours still commit.
 */
import { HookrelayError } from "../errors/hookrelay-error.ts";
import type { Orm, Tx } from "./client.ts";

type Work<T> = (tx: Tx) => Promise<T>;

interface Job {
  work: Work<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

interface Settled {
  job: Job;
  ok: boolean;
  value: unknown;
}

export class WriteQueue {
  readonly #orm: Orm;
  readonly #maxBatch: number;
  #waiting: Job[] = [];
  #draining: Promise<void> | undefined;

  /** Told about every failed commit, e.g. so the disk guard can notice a full disk. */
  onCommitFailure: (error: unknown) => void = () => {};

  constructor(orm: Orm, maxBatch = 256) {
    this.#orm = orm;
    this.#maxBatch = maxBatch;
  }

  /** Runs `work` in a write transaction; resolves only after that transaction committed. */
  run<T>(work: Work<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#waiting.push({ work, resolve: resolve as (value: unknown) => void, reject });
      this.#draining ??= nextTurn().then(() => this.#drain());
    });
  }

  /** Resolves when every job queued so far has settled. */
  async idle(): Promise<void> {
    while (this.#draining) await this.#draining;
  }

  async #drain(): Promise<void> {
    try {
      while (this.#waiting.length > 0) {
        const batch = this.#waiting.splice(0, this.#maxBatch);
        await this.#commit(batch);
        // Let the event loop read the requests that arrived during the commit, so that they
        // join the next batch instead of each taking a transaction of its own.
        await nextTurn();
      }
    } finally {
      this.#draining = undefined;
    }
  }

  async #commit(batch: Job[]): Promise<void> {
    let settled: Settled[] = [];
    try {
      await this.#orm.transaction(
        async (tx) => {
          settled = [];
          for (const job of batch) settled.push(await runInSavepoint(tx, job));
        },
        { behavior: "immediate" },
      );
    } catch (error) {
      this.onCommitFailure(error);
      const unavailable = new HookrelayError("ERR_UNAVAILABLE", "write transaction failed", {
        cause: error,
      });
      for (const job of batch) job.reject(unavailable);
      return;
    }
    for (const { job, ok, value } of settled) {
      if (ok) job.resolve(value);
      else job.reject(value);
    }
  }
}

async function runInSavepoint(tx: Tx, job: Job): Promise<Settled> {
  try {
    const value = await tx.transaction((savepoint) => job.work(savepoint));
    return { job, ok: true, value };
  } catch (error) {
    // SQLite rolls the whole transaction back by itself on these (a full disk, I/O trouble):
    // the rest of the batch would then run outside any transaction and commit piecemeal.
    // Abort the batch instead; every job in it is reported as not written.
    if (endsTransaction(error)) throw error;
    return { job, ok: false, value: error };
  }
}

const transactionEnding = /^SQLITE_(FULL|IOERR|BUSY|LOCKED|NOMEM|CORRUPT|READONLY|CANTOPEN|NOTADB)/;

function endsTransaction(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string" && transactionEnding.test(code)) return true;
    if (/disk is full|database is locked|no transaction is active/i.test(e.message)) return true;
  }
  return false;
}

/**
 * Resolves after the event loop has run its I/O callbacks once. libSQL's embedded calls are
 * synchronous, so a transaction never yields to I/O on its own: without this pause, every
 * job would arrive alone and get its own fsync.
 */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
