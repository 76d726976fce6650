/**
 * One clock for every harness process: wall-clock milliseconds with sub-millisecond
 * resolution. `performance.timeOrigin` is read from the system clock when a process starts,
 * so two processes agree to well under a millisecond; the publisher still measures its
 * offset to the sink (see `measureClockOffsetMs`) and corrects for it.
 */
export function wallClockMs(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * How far the sink's clock is ahead of ours, from the sample with the shortest round trip
 * (its error is at most half that round trip, a few tens of microseconds on loopback).
 */
export async function measureClockOffsetMs(sinkUrl: string, samples = 20): Promise<number> {
  let best = { roundTripMs: Number.POSITIVE_INFINITY, offsetMs: 0 };
  for (let i = 0; i < samples; i++) {
    const sentAt = wallClockMs();
    const answer = (await (await fetch(`${sinkUrl}/_sink/clock`)).json()) as { nowMs: number };
    const receivedAt = wallClockMs();
    const roundTripMs = receivedAt - sentAt;
    if (roundTripMs < best.roundTripMs) {
      best = { roundTripMs, offsetMs: answer.nowMs - (sentAt + receivedAt) / 2 };
    }
  }
  return best.offsetMs;
}
