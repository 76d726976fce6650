/** Order statistics for the report: percentiles of samples, median and spread of repeats. */

/** Nearest-rank percentile (p in 0..100) of unsorted samples; NaN for none. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

export interface LatencySummary {
  count: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
}

export function summarizeLatencies(samplesMs: readonly number[]): LatencySummary {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const at = (p: number) => percentile(sorted, p);
  return {
    count: sorted.length,
    p50Ms: at(50),
    p90Ms: at(90),
    p99Ms: at(99),
    maxMs: sorted.at(-1) ?? Number.NaN,
  };
}

export interface Spread {
  median: number;
  min: number;
  max: number;
  /** Half the range relative to the median, in percent: "±x %" (NaN with an infinity). */
  relativePercent: number;
}

/** Median and spread of repeats; an infinite value (nothing arrived in time) counts as one. */
export function summarizeRepeats(values: readonly number[]): Spread {
  const finite = values.filter((value) => !Number.isNaN(value));
  if (finite.length === 0) {
    return { median: Number.NaN, min: Number.NaN, max: Number.NaN, relativePercent: 0 };
  }
  const sorted = [...finite].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median =
    sorted.length % 2 === 1
      ? (sorted[middle] as number)
      : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
  const min = sorted[0] as number;
  const max = sorted.at(-1) as number;
  const range = max - min;
  const relativePercent = median !== 0 ? (range / 2 / median) * 100 : 0;
  return { median, min, max, relativePercent };
}
