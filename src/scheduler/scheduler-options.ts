/** What the scheduler and its attempts run with; a reload assigns new values into it. */
import type { DestinationPolicy } from "../delivery/destination-guard.ts";
import type { GateOptions } from "./endpoint-gate.ts";
import type { RetryPolicy } from "./retry-delay.ts";

export interface SchedulerOptions {
  concurrency: number;
  endpointConcurrency: number;
  attemptTimeoutMs: number;
  responseBodyMaxBytes: number;
  retryPolicy: RetryPolicy;
  retryClientErrors: boolean;
  userAgent: string;
  destinationPolicy: DestinationPolicy;
  gate: GateOptions;
  /** An endpoint failing without a success for this long is disabled. */
  autoDisableAfterMs: number;
  recoveryReportAfterMs: number;
}
