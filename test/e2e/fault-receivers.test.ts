/**
 * Slow and broken receivers do not hold up a healthy one: beside an endpoint that never
 * answers, one that answers 500 forever, one that streams a 100 MB body, one that trickles a
 * body without end and one that resets every connection, a healthy endpoint still gets its
 * events at once. The relay reads only the first 16 KiB of the huge answer and its memory
 * stays flat.
 */
import { expect, test } from "bun:test";
import { mebibyte } from "./fault-kit.ts";
import { hugeBodyBytes, runBrokenReceivers } from "./fault-receivers.ts";

test("keeps a healthy endpoint's latency beside hanging and broken endpoints", async () => {
  const figures = await runBrokenReceivers({ events: 30, attemptTimeout: "1s" });
  // Speed targets belong to the benchmarks; this bound only shows nothing waits behind a
  // broken endpoint (the attempt timeout is 1 s, so waiting behind one would pass it). The
  // healthy endpoint's own worst case alone is added, so a loaded machine does not fail it.
  const boundMs = 2_000 + figures.baseline.maxMs;
  const { baseline, withBroken } = figures;
  expect({ baseline, withBroken, withinBound: withBroken.maxMs < boundMs }).toMatchObject({
    baseline: { count: 30 },
    withBroken: { count: 30 },
    withinBound: true,
  });

  const { hang, error500, hugeBody, trickle, reset } = figures.attemptsByKind;
  expect(Object.keys(hang.outcomes)).toEqual(["timeout"]);
  expect(Object.keys(trickle.outcomes)).toEqual(["timeout"]);
  expect(Object.keys(error500.outcomes)).toEqual(["status 500"]);
  expect(Object.keys(reset.outcomes)).toEqual(["connection_error"]);
  expect(figures.resetConnections).toBeGreaterThan(0);

  expect(Object.keys(hugeBody.outcomes)).toEqual(["status 200"]);
  expect(hugeBody.truncated).toBe(hugeBody.attempts);
  expect(hugeBody.longestStoredBodyBytes).toBeLessThanOrEqual(16 * 1024);
  // The relay hangs up after its 16 KiB: what a request takes is socket buffers, not 100 MB.
  expect(figures.hugeBodyMostBytesPerRequest).toBeLessThan(hugeBodyBytes / 4);
  expect(figures.rssPeakBytes - figures.rssBaselineBytes).toBeLessThan(64 * mebibyte);
}, 60_000);
