/**
 * When the next attempt of a failed delivery is due. One pure function so the policy can be
 * read and tested in one place: the schedule step, ±jitter so a burst of failures does not
 * come back as a burst, and a receiver's Retry-After, which may lengthen the wait (within a
 * clamp) but never shorten it: a load balancer answering `503 Retry-After: 0` through a
 * 30-second deploy would otherwise use up a 28-hour schedule in under a second.
 */
export interface RetryPolicy {
  /** Delay after the 1st, 2nd, … failed attempt; its length is the number of retries. */
  scheduleMs: number[];
  /** 0.2 spreads each delay uniformly over ±20 %. */
  jitter: number;
  /** Longest wait a Retry-After can ask for; a longer one is cut to this. */
  retryAfterMaxMs: number;
}

/** Shortest wait after an answer with Retry-After, whatever the schedule, so nothing spins. */
export const minRetryDelayMs = 100;

/**
 * @param failedAttempts attempts failed in the current schedule, counting this one
 * @returns delay in ms, or undefined when the schedule is used up (the delivery is dead)
 */
export function computeRetryDelay(
  policy: RetryPolicy,
  failedAttempts: number,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number | undefined {
  const scheduled = policy.scheduleMs[failedAttempts - 1];
  if (scheduled === undefined) return undefined;
  const spread = scheduled * policy.jitter;
  const jittered = Math.max(0, Math.round(scheduled - spread + random() * 2 * spread));
  if (retryAfterMs === undefined) return jittered;
  const asked = Math.min(retryAfterMs, policy.retryAfterMaxMs);
  return Math.max(minRetryDelayMs, jittered, asked);
}

/**
 * Retry-After is delay-seconds or an HTTP-date (RFC 9110 §10.2.3); anything else is ignored.
 * Date.parse alone would read "-5" or "1.5" as dates in the past, so the text must look like
 * one of the three date forms first: the two that end in GMT, or asctime's.
 */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const gmt = /GMT$/.test(trimmed);
  if (!(gmt ? imfOrRfc850 : asctime).test(trimmed)) return undefined;
  // asctime carries no zone; HTTP dates are all GMT, and Date.parse would read it as local.
  const at = Date.parse(gmt ? trimmed : `${trimmed} GMT`);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

const imfOrRfc850 = /^[A-Za-z]{3,9}, .+ GMT$/;
const asctime = /^[A-Za-z]{3} [A-Za-z]{3} [ \d]\d \d\d:\d\d:\d\d \d{4}$/;
