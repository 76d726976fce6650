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

/** One item's outcome in a batch: its value, or the error that item alone failed with. */
export type ItemOutcome<R> = { ok: true; value: R } | { ok: false; error: unknown };

/**
 * Writes of one kind that share statements when they land in the same transaction: many
 * publishes become one multi-row INSERT instead of one statement each. `run` must give one
 * outcome per item, in order, and an item it fails must have written nothing. If `run` throws,
 * each item is run again alone, so one bad item costs its neighbours the shared statements but
 * never their write.
 */
export interface BatchKind<I, R> {
  readonly name: string;
  run(tx: Tx, items: I[]): Promise<ItemOutcome<R>[]>;
  /**
   * False when a caller may hear back once the transaction commits, before it is synced:
   * for writes whose loss in a power cut is repaired by sending again (attempt outcomes), so
   * they neither wait for a sync nor start one. Default true.
   */
  readonly durable?: boolean;
  /** About how many bytes an item writes, so one transaction does not hold too many. */
  sizeOf?(item: I): number;
}

interface Job {
  work: Work<unknown> | undefined;
  kind?: BatchKind<unknown, unknown>;
  item?: unknown;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

interface Settled {
  job: Job;
  ok: boolean;
  value: unknown;
}

export interface WriteQueueOptions {
  /** Makes committed transactions durable (see openWriteConnection); none: COMMIT does. */
  flush?: (() => Promise<void>) | undefined;
  maxBatch?: number;
  /**
   * A transaction takes jobs until their sizes (BatchKind.sizeOf) reach this; it always
   * takes at least one. Every row of a transaction is in memory several times over while it
   * is built and bound, so without a bound 150 publishes of 1 MiB made one transaction of
   * 150 MiB and the relay's memory grew past a gigabyte.
   */
  maxBatchBytes?: number;
}

export class WriteQueue {
  readonly #orm: Orm;
  readonly #maxBatch: number;
  readonly #maxBatchBytes: number;
  readonly #flush: (() => Promise<void>) | undefined;
  #waiting: Job[] = [];
  #draining: Promise<void> | undefined;
  /** Committed batches whose flush has not finished: their callers are still waiting. */
  readonly #flushing = new Set<Promise<void>>();
  #flushWaiters: { resolve(): void; reject(error: unknown): void }[] = [];
  #flushRunning = false;

  /** Told about every failed commit, e.g. so the disk guard can notice a full disk. */
  onCommitFailure: (error: unknown) => void = () => {};

  constructor(orm: Orm, options: WriteQueueOptions = {}) {
    this.#orm = orm;
    this.#maxBatch = options.maxBatch ?? 256;
    this.#maxBatchBytes = options.maxBatchBytes ?? 8 * 1024 * 1024;
    this.#flush = options.flush;
  }

  /** Runs `work` in a write transaction; resolves only after that transaction committed. */
  run<T>(work: Work<T>): Promise<T> {
    return this.#enqueue<T>({ work });
  }

  /** Like `run`, for one item of a kind that is written together with its batch-mates. */
  runBatched<I, R>(kind: BatchKind<I, R>, item: I): Promise<R> {
    return this.#enqueue<R>({ work: undefined, kind: kind as BatchKind<unknown, unknown>, item });
  }

  #enqueue<T>(job: Pick<Job, "work" | "kind" | "item">): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#waiting.push({ ...job, resolve: resolve as (value: unknown) => void, reject });
      this.#draining ??= nextTurn().then(() => this.#drain());
    });
  }

  /** Resolves when every job queued so far has settled. */
  async idle(): Promise<void> {
    while (this.#draining || this.#flushing.size > 0) {
      await this.#draining;
      await Promise.all(this.#flushing);
    }
  }

  async #drain(): Promise<void> {
    try {
      while (this.#waiting.length > 0) {
        await this.#commit(this.#takeBatch());
        // Let the event loop read the requests that arrived during the commit, so that they
        // join the next batch instead of each taking a transaction of its own.
        await nextTurn();
      }
    } finally {
      this.#draining = undefined;
    }
  }

  #takeBatch(): Job[] {
    let bytes = 0;
    let count = 0;
    while (count < this.#waiting.length && count < this.#maxBatch) {
      const job = this.#waiting[count] as Job;
      bytes += job.kind?.sizeOf?.(job.item) ?? 0;
      count++;
      if (bytes >= this.#maxBatchBytes) break;
    }
    return this.#waiting.splice(0, count);
  }

  async #commit(batch: Job[]): Promise<void> {
    let settled: Settled[] = [];
    try {
      await this.#orm.transaction(
        async (tx) => {
          settled = [];
          for (const group of groupByKind(batch)) settled.push(...(await runGroup(tx, group)));
        },
        { behavior: "immediate" },
      );
    } catch (error) {
      this.#fail(batch, error);
      return;
    }
    const durable = settled.filter(({ job }) => job.kind?.durable !== false);
    settle(this.#flush ? settled.filter(({ job }) => job.kind?.durable === false) : settled);
    if (!this.#flush || durable.length === 0) return;
    // The next batch starts while this one syncs; its callers hear back only after that.
    const flushed = this.#requestFlush().then(
      () => settle(durable),
      (error: unknown) =>
        this.#fail(
          durable.map(({ job }) => job),
          error,
        ),
    );
    this.#flushing.add(flushed);
    void flushed.finally(() => this.#flushing.delete(flushed));
  }

  /**
   * One flush at a time; batches that commit while it runs share the next one, which starts
   * as soon as it ends. A flush covers every commit made before it began.
   */
  #requestFlush(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#flushWaiters.push({ resolve, reject });
      if (!this.#flushRunning) void this.#runFlushes();
    });
  }

  async #runFlushes(): Promise<void> {
    const flush = this.#flush as () => Promise<void>;
    this.#flushRunning = true;
    try {
      while (this.#flushWaiters.length > 0) {
        const waiters = this.#flushWaiters.splice(0);
        try {
          await flush();
          for (const waiter of waiters) waiter.resolve();
        } catch (error) {
          for (const waiter of waiters) waiter.reject(error);
        }
      }
    } finally {
      this.#flushRunning = false;
    }
  }

  /**
   * Nothing in the batch may be reported written. After a failed flush the rows may still
   * be in the file (committed, not known durable): a caller that retries gets the replay
   * its idempotency key or event id already gives it.
   */
  #fail(batch: Job[], error: unknown): void {
    this.onCommitFailure(error);
    const unavailable = new HookrelayError("ERR_UNAVAILABLE", "write transaction failed", {
      cause: error,
    });
    for (const job of batch) job.reject(unavailable);
  }
}

function settle(settled: Settled[]): void {
  for (const { job, ok, value } of settled) {
    if (ok) job.resolve(value);
    else job.reject(value);
  }
}

/** Plain jobs stay alone; jobs of one kind form one group, placed where its first one was. */
function groupByKind(batch: Job[]): Job[][] {
  const groups: Job[][] = [];
  const byKind = new Map<BatchKind<unknown, unknown>, Job[]>();
  for (const job of batch) {
    if (!job.kind) {
      groups.push([job]);
      continue;
    }
    const group = byKind.get(job.kind);
    if (group) group.push(job);
    else {
      const created = [job];
      byKind.set(job.kind, created);
      groups.push(created);
    }
  }
  return groups;
}

async function runGroup(tx: Tx, group: Job[]): Promise<Settled[]> {
  const kind = group[0]?.kind;
  if (kind && group.length > 1) {
    try {
      const outcomes = await tx.transaction((savepoint) =>
        kind.run(
          savepoint,
          group.map((job) => job.item),
        ),
      );
      return group.map((job, index) => settledFrom(job, outcomes[index]));
    } catch (error) {
      if (endsTransaction(error)) throw error;
      // Fall through: some item broke the shared statements; find out which, one by one.
    }
  }
  const settled: Settled[] = [];
  for (const job of group) settled.push(await runInSavepoint(tx, job));
  return settled;
}

function settledFrom(job: Job, outcome: ItemOutcome<unknown> | undefined): Settled {
  if (!outcome) return { job, ok: false, value: new Error(`${job.kind?.name}: no outcome`) };
  return outcome.ok
    ? { job, ok: true, value: outcome.value }
    : { job, ok: false, value: outcome.error };
}

async function runInSavepoint(tx: Tx, job: Job): Promise<Settled> {
  try {
    if (job.kind) {
      const kind = job.kind;
      const [outcome] = await tx.transaction((savepoint) => kind.run(savepoint, [job.item]));
      return settledFrom(job, outcome);
    }
    const work = job.work as Work<unknown>;
    const value = await tx.transaction((savepoint) => work(savepoint));
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
