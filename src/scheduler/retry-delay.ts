/**
 * When the next attempt of a failed delivery is due. One pure function so the policy can be
 * read and tested in one place: the schedule step, ±jitter so a burst of failures does not
 * come back as a burst, and a receiver's Retry-After taken as given within a clamp.
 */
export interface RetryPolicy {
  /** Delay after the 1st, 2nd, … failed attempt; its length is the number of retries. */
  scheduleMs: number[];
  /** 0.2 spreads each delay uniformly over ±20 %. */
  jitter: number;
  /** Longest Retry-After honoured; a longer one is cut to this. */
  retryAfterMaxMs: number;
}

/** Shortest wait even when a receiver says Retry-After: 0, so a loop cannot spin. */
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
  if (retryAfterMs !== undefined) {
    return Math.max(minRetryDelayMs, Math.min(retryAfterMs, policy.retryAfterMaxMs));
  }
  const spread = scheduled * policy.jitter;
  return Math.max(0, Math.round(scheduled - spread + random() * 2 * spread));
}

/** Retry-After is delay-seconds or an HTTP-date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}
