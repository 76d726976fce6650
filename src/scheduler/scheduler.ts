/**
 * Claims due deliveries and runs their attempts. New deliveries are started by `wake()`
 * right after the publish commits; retries by a timer set to the next due time. A claim is a
 * lease written to the database, so a crash leaves nothing behind that a restart cannot
 * find. A global limit and a per-endpoint limit keep one slow receiver from taking every slot.
 */
import type { Orm } from "../db/client.ts";
import { onEndpointWrite } from "../db/endpoint-store.ts";
import {
  type ClaimedDelivery,
  claimDueDeliveries,
  findNextDueAt,
  releaseLeases,
  releaseLeasesExcept,
} from "../db/claim-store.ts";
import type { WriteQueue } from "../db/write-queue.ts";
import type { PluginRegistry } from "../plugins/plugin-registry.ts";
import type { Logger } from "../observability/logger.ts";
import { AttemptRunner } from "./attempt-runner.ts";
import { EndpointGate } from "./endpoint-gate.ts";
import { InFlightAttempts } from "./in-flight.ts";
import type { DeliveryHandoff, HandoffBudget } from "./handoff.ts";
import { ReadyQueue, type WaitingVerdict } from "./ready-queue.ts";
import type { SchedulerOptions } from "./scheduler-options.ts";
import { WakeableSleep } from "./wakeable-sleep.ts";

/** Longest sleep with nothing due: a safety net for rows written by another process. */
const maxIdleMs = 30_000;
/** A lease outlives the attempt timeout by this much, to cover recording the result. */
const leaseMarginMs = 60_000;

export class Scheduler implements DeliveryHandoff {
  readonly #orm: Orm;
  readonly #writer: WriteQueue;
  readonly #log: Logger;
  readonly #options: SchedulerOptions;
  readonly #inFlight = new InFlightAttempts();
  readonly #gate: EndpointGate;
  readonly #ready = new ReadyQueue();
  readonly #runner: AttemptRunner;
  #stopping = false;
  /** Something may be due and unclaimed; true at start, to pick up what was left. */
  #backlog = true;
  #wakeEpoch = 0;
  /** Slots a claim under way may fill. */
  #claiming = 0;
  #reconcileLeases = false;
  #nextKnownDueAt = Number.POSITIVE_INFINITY;
  readonly #sleeper = new WakeableSleep();
  #loop: Promise<void> | undefined;
  #unsubscribe: (() => void) | undefined;

  constructor(
    orm: Orm,
    writer: WriteQueue,
    plugins: PluginRegistry,
    log: Logger,
    options: SchedulerOptions,
  ) {
    this.#orm = orm;
    this.#writer = writer;
    this.#log = log;
    this.#options = options;
    this.#gate = new EndpointGate(options.gate);
    this.#runner = new AttemptRunner(writer, plugins, log, options, this.#gate, {
      wake: () => this.wake(),
      noteDue: (at) => this.#noteDue(at),
      endpointDisabled: (endpointId) => this.forgetEndpoint(endpointId),
      stopping: () => this.#stopping,
    });
  }

  start(): void {
    this.#unsubscribe ??= onEndpointWrite((endpointId) => this.forgetEndpoint(endpointId));
    this.#loop ??= this.#run();
  }

  /** Something may have become due: look now instead of at the next timer. */
  wake(): void {
    this.#backlog = true;
    this.#wakeEpoch++;
    this.#sleeper.wake();
  }

  /**
   * Room for deliveries a publish is writing now: the free slots, and as many again waiting in
   * memory for one. Endpoints with a rate limit are left to claims, which take their tokens;
   * so are endpoints whose breaker is open.
   */
  budget(): HandoffBudget {
    const { concurrency, attemptTimeoutMs } = this.#options;
    const promised = this.#ready.promisedCounts(Date.now());
    const held = this.#inFlight.size + this.#claiming + this.#ready.size + promised.total;
    let room = this.#stopping ? 0 : 2 * concurrency - held;
    const blocked = new Set(this.#gate.blocked(Date.now()));
    const taken = new Map<string, number>();
    return {
      // A waiting delivery waits at most one attempt of its endpoint, then runs one.
      leaseUntil: Date.now() + 2 * attemptTimeoutMs + leaseMarginMs,
      take: (endpoint, deliveryId) => {
        if (room <= 0 || endpoint.rateLimitPerSecond !== null || blocked.has(endpoint.id)) {
          return false;
        }
        const load =
          taken.get(endpoint.id) ??
          this.#inFlight.loadOf(endpoint.id) +
            this.#ready.countFor(endpoint.id) +
            (promised.byEndpoint.get(endpoint.id) ?? 0);
        if (load >= 2 * this.#endpointLimit(endpoint.id)) return false;
        taken.set(endpoint.id, load + 1);
        room -= 1;
        this.#ready.promise(deliveryId, endpoint.id, Date.now());
        return true;
      },
    };
  }

  /** Starts handed-off deliveries or lets them wait; any that may not run get their lease back. */
  adopt(deliveries: ClaimedDelivery[]): void {
    const now = Date.now();
    const givenBack: string[] = [];
    for (const delivery of deliveries) {
      this.#ready.fulfil(delivery.id);
      const verdict = this.#verdict(delivery, now);
      if (verdict === "start") this.#dispatch(delivery);
      else if (verdict === "wait") this.#ready.push(delivery);
      else givenBack.push(delivery.id);
    }
    this.#giveBack(givenBack);
  }

  release(deliveryIds: string[]): void {
    for (const id of deliveryIds) this.#ready.fulfil(id);
    this.#giveBack(deliveryIds);
  }

  /** Every lease this process holds: in flight, waiting in memory, or promised. */
  #leasesHeld(): string[] {
    return [...this.#inFlight.deliveryIds(), ...this.#ready.leasedIds(Date.now())];
  }

  /**
   * Deliveries of this endpoint waiting in memory were built from its old row (URL, secret,
   * enabled): they go back to the table, to be claimed as the endpoint is now. Attempts
   * already in flight finish as they started.
   */
  forgetEndpoint(endpointId: string): void {
    const givenBack = this.#ready.sweep((delivery) =>
      delivery.endpointId === endpointId ? "give back" : "wait",
    );
    this.#giveBack(givenBack.map((delivery) => delivery.id));
  }

  /** A slot freed up: the longest-waiting handed-off deliveries that fit go first. */
  #startWaiting(): void {
    if (this.#ready.size === 0) return;
    const now = Date.now();
    const givenBack = this.#ready.sweep((delivery) => {
      const verdict = this.#verdict(delivery, now);
      if (verdict === "start") this.#dispatch(delivery);
      return verdict;
    });
    this.#giveBack(givenBack.map((delivery) => delivery.id));
  }

  /** Frees leases of deliveries this process will not start, so a claim can find them. */
  #giveBack(ids: string[]): void {
    if (ids.length === 0) return;
    this.#writer
      .run((tx) => releaseLeases(tx, ids))
      .then(() => this.wake())
      .catch((error: unknown) => {
        // The leases expire on their own; until then these deliveries wait.
        this.#log.error({ err: error, deliveries: ids.length }, "giving back leases failed");
      });
  }

  get inFlightCount(): number {
    return this.#inFlight.size;
  }

  /**
   * Stops claiming, gives in-flight attempts `graceMs` to finish, then aborts the rest and
   * frees their leases so the next start sends them at once.
   */
  async stop(graceMs: number): Promise<void> {
    this.#stopping = true;
    this.#unsubscribe?.();
    this.wake();
    await this.#loop;
    await this.#inFlight.settle(graceMs);
    const waiting = this.#ready.drain().map((delivery) => delivery.id);
    const ids = [...(await this.#inFlight.abortAll()), ...waiting];
    if (ids.length > 0) {
      await this.#writer.run((tx) => releaseLeases(tx, ids));
      this.#log.info({ released: ids.length }, "released in-flight deliveries at shutdown");
    }
  }

  /**
   * The loop claims only while something may be due and unclaimed (`#backlog`): after a
   * wake-up for new work, when a known retry time arrives, or when a slot frees up while a
   * backlog is known. A finished attempt alone costs no claim; that keeps one transaction
   * per publish burst instead of one per completion.
   */
  async #run(): Promise<void> {
    while (!this.#stopping) {
      // One turn of the event loop per round, whatever happens below: the loop must never
      // keep the thread from reading requests.
      await new Promise((resolve) => setImmediate(resolve));
      try {
        if (this.#reconcileLeases) {
          // Read when the job runs, not now: a publish committed in the same transaction
          // before it has leased rows this process is about to start.
          const freed = await this.#writer.run((tx) => releaseLeasesExcept(tx, this.#leasesHeld()));
          this.#reconcileLeases = false;
          if (freed > 0) this.#log.info({ freed }, "freed leases left by failed writes");
        }
        // Handed-off deliveries waiting in memory get freed slots before anything claimed.
        const free = this.#options.concurrency - this.#inFlight.size - this.#ready.size;
        if (this.#backlog && free > 0) {
          const filled = await this.#claimAndDispatch(free);
          if (filled) continue;
          this.#nextKnownDueAt =
            (await findNextDueAt(this.#orm, this.#saturatedEndpoints())) ??
            Number.POSITIVE_INFINITY;
        }
        await this.#idle();
      } catch (error) {
        // A failed claim (database busy, disk trouble) must not end the loop: wait a moment,
        // then try again. Nothing is lost: unclaimed rows stay due.
        this.#log.error({ err: error }, "claiming deliveries failed");
        await this.#sleeper.sleep(1_000);
        this.#backlog = true;
        // Whatever that write did or did not leave behind, no lease outside memory is live.
        this.#reconcileLeases = true;
      }
    }
  }

  /** @returns true when the claim filled every free slot, so more may be waiting. */
  async #claimAndDispatch(free: number): Promise<boolean> {
    const epoch = this.#wakeEpoch;
    const now = Date.now();
    // Publishes committed alongside this claim must not count the same slots as free.
    this.#claiming = free;
    const claimed = await this.#writer
      .run((tx) =>
        claimDueDeliveries(tx, {
          now,
          leaseUntil: now + this.#options.attemptTimeoutMs + leaseMarginMs,
          limit: free,
          skipEndpointIds: this.#saturatedEndpoints(),
        }),
      )
      .finally(() => {
        this.#claiming = 0;
      });
    const overflow: string[] = [];
    for (const delivery of claimed) {
      if (this.#inFlight.has(delivery.id)) {
        // Its lease was lost while it ran; the one attempt under way is enough.
        this.#log.warn({ deliveryId: delivery.id }, "claimed a delivery already in flight");
        continue;
      }
      if (this.#verdict(delivery, now) === "start") this.#dispatch(delivery);
      else overflow.push(delivery.id);
    }
    if (overflow.length > 0) await this.#writer.run((tx) => releaseLeases(tx, overflow));
    const filled = claimed.length === free || overflow.length > 0;
    // A wake-up that arrived while claiming may concern rows committed after the claim.
    this.#backlog = filled || epoch !== this.#wakeEpoch;
    return filled;
  }

  /**
   * What to do with a leased delivery now: start it when both concurrency limits have room
   * and the endpoint's gate lets it through, let it wait for a slot, or give its lease back
   * (shutting down, breaker open). A claim and a handoff committed in the same transaction
   * may have counted the same free slot; this is where the second one finds out.
   */
  #verdict(delivery: ClaimedDelivery, now: number): WaitingVerdict {
    if (this.#stopping) return "give back";
    const full =
      this.#inFlight.size >= this.#options.concurrency ||
      this.#inFlight.loadOf(delivery.endpointId) >= this.#endpointLimit(delivery.endpointId);
    if (full) return "wait";
    return this.#gate.admit(delivery.endpointId, delivery.rateLimitPerSecond, now)
      ? "start"
      : "give back";
  }

  /** Sleeps until new work, a freed slot (when a backlog waits), or the next known due time. */
  async #idle(): Promise<void> {
    if (this.#stopping) return;
    const now = Date.now();
    const atCapacity = this.#inFlight.size >= this.#options.concurrency;
    const wakeAt = Math.min(
      this.#nextKnownDueAt,
      this.#gate.nextChangeAt(now) ?? Number.POSITIVE_INFINITY,
    );
    if (wakeAt <= now) this.#backlog = true;
    if (this.#backlog && !atCapacity) return;
    // At capacity, only a freed slot (which pokes the sleeper while a backlog waits) helps;
    // returning here instead would spin without ever yielding to I/O.
    const delayMs = atCapacity || wakeAt <= now ? maxIdleMs : Math.min(maxIdleMs, wakeAt - now);
    // The timer is also a safety net for rows written by another process.
    if (await this.#sleeper.sleep(delayMs)) this.#backlog = true;
  }

  /** A retry this process scheduled: make sure the timer fires by then. */
  #noteDue(at: number): void {
    if (at >= this.#nextKnownDueAt) return;
    this.#nextKnownDueAt = at;
    this.#sleeper.wake();
  }

  /** Endpoints not to claim for: at their concurrency limit, breaker open, or rate-limited. */
  #saturatedEndpoints(): string[] {
    const full = this.#inFlight.fullEndpoints((id) => this.#endpointLimit(id));
    return [...new Set([...full, ...this.#gate.blocked(Date.now())])];
  }

  /** The endpoint's share of the slots: its concurrency, or one while it keeps failing. */
  #endpointLimit(endpointId: string): number {
    return this.#gate.concurrencyFor(endpointId, this.#options.endpointConcurrency);
  }

  #dispatch(delivery: ClaimedDelivery): void {
    const attempt = (signal: AbortSignal) =>
      this.#runner.run(delivery, signal).catch((error: unknown) => {
        // The lease stays set, so the delivery is retried once it expires.
        this.#log.error({ err: error, deliveryId: delivery.id }, "recording an attempt failed");
      });
    // The limit as it was while the attempt ran: its success may have lifted it since (one
    // at a time while failing, the breaker's probe), and claims skipped the endpoint meanwhile.
    const limitWhileRunning = this.#endpointLimit(delivery.endpointId);
    this.#inFlight.start(delivery, attempt, (endpointLoadBefore) => {
      this.#startWaiting();
      // An endpoint that was at its limit was skipped by claims: its work may be waiting.
      if (endpointLoadBefore >= limitWhileRunning) this.#backlog = true;
      // A freed slot matters only if work is waiting for one.
      if (this.#backlog) this.#sleeper.wake();
    });
  }
}
