/**
 * How much each measurement does, for a full run and for `--quick`. Every count has a time
 * bound beside it, so a slow or stuck relay ends a run late, never not at all. Counts of a
 * full run are sized for a 2-core machine and a run of about 15 minutes.
 */
export interface Plan {
  quick: boolean;
  /** Each round runs every measurement once; the table shows median and spread of rounds. */
  rounds: number;
  /** In-flight requests of the publishers, the relay's attempts and the baselines alike. */
  concurrency: number;
  deliveryLimit: { requests: number; durationMs: number };
  durabilityLimit: { events: number; batch: number; durationMs: number };
  peer: { jobs: number };
  endToEnd: { events: number; publishMs: number };
  latency: { ratesPerSecond: number[]; durationMs: number };
  /** `timeoutMs` bounds the drain: a backlog not empty by then reports how far it got. */
  drain: { backlog: number; timeoutMs: number };
  fanOut: { events: number; endpoints: number };
  history: { oldEvents: number };
  retries: { events: number; failFraction: number };
  footprint: { coldStarts: number };
  /** Scenario 8: signed requests to a source's ingest URL, closed loop, count or time. */
  inbound: { requests: number; sendMs: number };
  /** Longest wait for the sink to see every delivery after publishing stopped. */
  deliverTimeoutMs: number;
  /** The watchdog: the whole run is killed after this. */
  runTimeoutMs: number;
}

const full: Plan = {
  quick: false,
  rounds: 3,
  concurrency: 64,
  deliveryLimit: { requests: 100_000, durationMs: 8_000 },
  durabilityLimit: { events: 100_000, batch: 256, durationMs: 8_000 },
  peer: { jobs: 20_000 },
  endToEnd: { events: 30_000, publishMs: 15_000 },
  // 100/s is not in the issue: a rate under the current relay's saturation, for a finite
  // figure to compare with; the rates follow.
  latency: { ratesPerSecond: [100, 500, 1_000, 2_000], durationMs: 8_000 },
  drain: { backlog: 100_000, timeoutMs: 45_000 },
  fanOut: { events: 1_000, endpoints: 10 },
  history: { oldEvents: 1_000_000 },
  retries: { events: 15_000, failFraction: 0.2 },
  footprint: { coldStarts: 1 },
  inbound: { requests: 30_000, sendMs: 15_000 },
  deliverTimeoutMs: 60_000,
  runTimeoutMs: 30 * 60_000,
};

const quick: Plan = {
  ...full,
  quick: true,
  rounds: 1,
  deliveryLimit: { requests: 3_000, durationMs: 2_000 },
  durabilityLimit: { events: 3_000, batch: 256, durationMs: 2_000 },
  peer: { jobs: 500 },
  endToEnd: { events: 1_000, publishMs: 2_000 },
  latency: { ratesPerSecond: [200], durationMs: 2_000 },
  drain: { backlog: 500, timeoutMs: 8_000 },
  fanOut: { events: 50, endpoints: 10 },
  history: { oldEvents: 20_000 },
  retries: { events: 300, failFraction: 0.2 },
  footprint: { coldStarts: 1 },
  inbound: { requests: 1_000, sendMs: 2_000 },
  deliverTimeoutMs: 8_000,
  runTimeoutMs: 110_000,
};

export function buildPlan(options: { quick: boolean }): Plan {
  return options.quick ? quick : full;
}
