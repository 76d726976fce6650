/**
 * Prometheus metrics (prom-client), served at GET /metrics. Counters and histograms move as
 * work happens; the outbox gauges are read from the database when scraped, so they are true
 * after a restart too.
 *
 * One relay runs per process, so this is one process-wide instance, like prom-client's own
 * default registry: the scheduler and the intake record into it with one line each instead
 * of threading a metrics object through every constructor. Its own Registry (not the global
 * one) keeps what is exported exactly what is listed here.
 */
import client from "prom-client";
import type { Queryable } from "../db/client.ts";
import { readOutboxStats } from "../db/retention-store.ts";
import type { DeliveryStatus } from "../db/schema.ts";

const prefix = "hookrelay_";

/** Route groups of the HTTP counter: the API under /v1, the ingest URLs, everything else. */
export type RouteGroup = "api" | "ingest" | "other";
const routeGroups: readonly RouteGroup[] = ["api", "ingest", "other"];
const statusClasses = ["1xx", "2xx", "3xx", "4xx", "5xx"] as const;

export class RelayMetrics {
  readonly registry = new client.Registry();
  readonly #deliveries = new client.Counter({
    name: `${prefix}deliveries_total`,
    help: "Deliveries that reached a final outcome, by outcome (succeeded, dead, skipped)",
    labelNames: ["outcome"] as const,
    registers: [this.registry],
  });
  readonly #attempts = new client.Counter({
    name: `${prefix}attempts_total`,
    help: "Delivery attempts, by what followed (succeeded, retry, dead)",
    labelNames: ["outcome"] as const,
    registers: [this.registry],
  });
  readonly #attemptSeconds = new client.Histogram({
    name: `${prefix}attempt_duration_seconds`,
    help: "Time of one attempt, connect to last byte, by result (success, failure)",
    labelNames: ["result"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly #accepted = new client.Counter({
    name: `${prefix}events_accepted_total`,
    help: "Events committed to the outbox, by origin (api, inbound)",
    labelNames: ["origin"] as const,
    registers: [this.registry],
  });
  readonly #bodiesRefused = new client.Counter({
    name: `${prefix}requests_refused_bodies_in_flight_total`,
    help: "Requests answered 503 because server.max_bodies_in_flight was reached, by pool",
    labelNames: ["pool"] as const,
    registers: [this.registry],
  });
  /** Read when scraped, so holding a body costs no metric update on the request's path. */
  readonly #bodiesHeldBy = new Map<string, () => number>();
  readonly #bodiesHeld = new client.Gauge({
    name: `${prefix}request_bodies_in_flight_bytes`,
    help: "Bytes of request bodies held now, by pool (api, ingest), against the budget",
    labelNames: ["pool"] as const,
    registers: [this.registry],
    collect: () => {
      for (const [pool, held] of this.#bodiesHeldBy) this.#bodiesHeld.set({ pool }, held());
    },
  });
  readonly #inboundRejected = new client.Counter({
    name: `${prefix}inbound_verification_failures_total`,
    help: "Inbound requests refused by their source's verifier, by source and reason",
    labelNames: ["source", "reason"] as const,
    registers: [this.registry],
  });
  readonly #failureStreak = new client.Gauge({
    name: `${prefix}endpoint_failure_streak`,
    help: "Failed attempts in a row per endpoint since its last success (since start)",
    labelNames: ["endpoint_id"] as const,
    registers: [this.registry],
  });
  readonly #outbox = new client.Gauge({
    name: `${prefix}outbox_deliveries`,
    help: "Deliveries in the outbox, by status",
    labelNames: ["status"] as const,
    registers: [this.registry],
  });
  readonly #oldestPending = new client.Gauge({
    name: `${prefix}outbox_oldest_pending_age_seconds`,
    help: "Age of the oldest pending delivery (0 when none is pending)",
    registers: [this.registry],
  });
  readonly #oldestDue = new client.Gauge({
    name: `${prefix}outbox_oldest_due_wait_seconds`,
    help: "How long the longest-waiting due delivery has been due: the backlog's lag",
    registers: [this.registry],
  });
  readonly #pruned = new client.Counter({
    name: `${prefix}retention_pruned_total`,
    help: "Rows deleted by retention, by table (events, deliveries, attempts)",
    labelNames: ["table"] as const,
    registers: [this.registry],
  });
  readonly #responses = new client.Counter({
    name: `${prefix}http_responses_total`,
    help: "HTTP answers, by route group (api, ingest, other) and status class (2xx, 4xx, 5xx…)",
    labelNames: ["route", "status"] as const,
    registers: [this.registry],
  });
  /**
   * One child per group and class, made once: counting an answer is an index and an add,
   * with no label object built per request.
   */
  readonly #responsesBy = new Map(
    routeGroups.map((route) => [
      route,
      statusClasses.map((status) => this.#responses.labels({ route, status })),
    ]),
  );
  readonly #lastPrune = new client.Gauge({
    name: `${prefix}retention_last_run_timestamp_seconds`,
    help: "When retention last finished a pass",
    registers: [this.registry],
  });
  #processMetrics = false;

  constructor() {
    // A counter has no series until its first increment, so a rate() or an alert on it sees
    // nothing, not 0: every known label value starts at 0.
    for (const pool of ["api", "ingest"]) this.#bodiesRefused.inc({ pool }, 0);
    for (const table of ["events", "deliveries", "attempts"]) this.#pruned.inc({ table }, 0);
    for (const children of this.#responsesBy.values()) for (const child of children) child.inc(0);
  }

  /** CPU, memory, file descriptors, event-loop lag: only in a serving process. */
  collectProcessMetrics(): void {
    if (this.#processMetrics) return;
    this.#processMetrics = true;
    client.collectDefaultMetrics({ register: this.registry, prefix });
  }

  /** After an attempt was recorded: `status` is the delivery's new status. */
  recordAttempt(endpointId: string, status: DeliveryStatus, durationMs: number): void {
    const outcome = status === "pending" ? "retry" : status;
    this.#attempts.inc({ outcome });
    if (status === "succeeded" || status === "dead") this.#deliveries.inc({ outcome: status });
    this.#attemptSeconds.observe(
      { result: status === "succeeded" ? "success" : "failure" },
      durationMs / 1000,
    );
    if (status === "succeeded") this.#failureStreak.set({ endpoint_id: endpointId }, 0);
    else this.#failureStreak.inc({ endpoint_id: endpointId });
  }

  /** A deleted endpoint's series go, or every endpoint ever made would keep one. */
  forgetEndpoint(endpointId: string): void {
    this.#failureStreak.remove({ endpoint_id: endpointId });
  }

  recordSkipped(): void {
    this.#deliveries.inc({ outcome: "skipped" });
  }

  /** Passes a publish result through, counting it unless it was an idempotent replay. */
  readonly countPublished = <T extends { replayed: boolean }>(result: T): T => {
    if (!result.replayed) this.#accepted.inc({ origin: "api" });
    return result;
  };

  countInbound(): void {
    this.#accepted.inc({ origin: "inbound" });
  }

  countBodyRefused(pool: string): void {
    this.#bodiesRefused.inc({ pool });
  }

  /** The latest budget of a pool wins: tests and restarts in one process make new ones. */
  watchBodiesHeld(pool: string, held: () => number): void {
    this.#bodiesHeldBy.set(pool, held);
  }

  /** One answer sent; a status outside 100–599 is counted with its nearest class. */
  countResponse(route: RouteGroup, status: number): void {
    const index = Math.min(4, Math.max(0, Math.floor(status / 100) - 1));
    this.#responsesBy.get(route)?.[index]?.inc();
  }

  recordInboundRejected(source: string, reason: string): void {
    this.#inboundRejected.inc({ source, reason });
  }

  recordPruned(counts: { events: number; deliveries: number; attempts: number }): void {
    for (const [table, count] of Object.entries(counts)) {
      if (count > 0) this.#pruned.inc({ table }, count);
    }
  }

  recordPrunePass(atMs: number): void {
    this.#lastPrune.set(atMs / 1000);
  }

  /** Reads the outbox gauges from the database, then renders every metric as text. */
  async render(db: Queryable, now = Date.now()): Promise<string> {
    const stats = await readOutboxStats(db, now);
    for (const status of ["pending", "succeeded", "dead", "cancelled", "skipped"] as const) {
      this.#outbox.set({ status }, stats.byStatus[status] ?? 0);
    }
    const oldest = stats.oldestPendingCreatedAt;
    this.#oldestPending.set(oldest === undefined ? 0 : Math.max(0, (now - oldest) / 1000));
    const due = stats.oldestDueAt;
    this.#oldestDue.set(due === undefined ? 0 : Math.max(0, (now - due) / 1000));
    return this.registry.metrics();
  }
}

export const relayMetrics = new RelayMetrics();
