import { describe, expect, test } from "bun:test";
import {
  computeRetryDelay,
  minRetryDelayMs,
  parseRetryAfter,
  type RetryPolicy,
} from "../../src/scheduler/retry-delay.ts";

const policy: RetryPolicy = {
  scheduleMs: [1_000, 10_000, 60_000],
  jitter: 0.2,
  retryAfterMaxMs: 3_600_000,
};

describe("computeRetryDelay", () => {
  test("follows the schedule step by step without jitter", () => {
    const exact = { ...policy, jitter: 0 };
    expect([1, 2, 3].map((n) => computeRetryDelay(exact, n, undefined))).toEqual([
      1_000, 10_000, 60_000,
    ]);
  });

  test("returns undefined once the schedule is used up", () => {
    expect(computeRetryDelay(policy, 4, undefined)).toBeUndefined();
  });

  test("spreads the delay over plus or minus the jitter fraction", () => {
    expect(computeRetryDelay(policy, 2, undefined, () => 0)).toBe(8_000);
    expect(computeRetryDelay(policy, 2, undefined, () => 1)).toBe(12_000);
    expect(computeRetryDelay(policy, 2, undefined, () => 0.5)).toBe(10_000);
  });

  test("lets Retry-After lengthen the wait within the clamp", () => {
    expect(computeRetryDelay(policy, 1, 42_000)).toBe(42_000);
    expect(computeRetryDelay(policy, 1, 10 * 3_600_000)).toBe(3_600_000);
  });

  test("never lets Retry-After shorten the scheduled wait", () => {
    const exact = { ...policy, jitter: 0 };
    expect(computeRetryDelay(exact, 1, 0)).toBe(1_000);
    expect(computeRetryDelay(exact, 3, 5_000)).toBe(60_000);
    const tiny = { ...exact, scheduleMs: [0] };
    expect(computeRetryDelay(tiny, 1, 0)).toBe(minRetryDelayMs);
  });

  test("does not retry past the schedule even with Retry-After", () => {
    expect(computeRetryDelay(policy, 4, 1_000)).toBeUndefined();
  });
});

describe("parseRetryAfter", () => {
  const now = Date.parse("2026-12-03T12:00:00Z");

  test("reads delay-seconds", () => {
    expect(parseRetryAfter("120", now)).toBe(120_000);
  });

  test("reads an HTTP date relative to now", () => {
    expect(parseRetryAfter("Thu, 03 Dec 2026 12:00:30 GMT", now)).toBe(30_000);
  });

  test("reads the obsolete RFC 850 and asctime dates too", () => {
    expect(parseRetryAfter("Thursday, 03-Dec-26 12:01:00 GMT", now)).toBe(60_000);
    expect(parseRetryAfter("Thu Dec  3 12:00:10 2026", now)).toBe(10_000);
  });

  test("ignores garbage, values that are no Retry-After, and absent headers", () => {
    for (const value of ["soon", "-5", "1.5", "2026-12-03", "1e3", ""]) {
      expect(parseRetryAfter(value, now)).toBeUndefined();
    }
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});
