// Small, dependency-free statistics for benchmark samples.

export interface Spread {
  median: number;
  min: number;
  max: number;
  /** Interquartile range: the middle half of the samples. */
  p25: number;
  p75: number;
  samples: number;
}

/** Linear-interpolated percentile (p in 0..100) of already sorted values. */
export function percentileOfSorted(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  const lowValue = sorted[low] ?? Number.NaN;
  const highValue = sorted[high] ?? lowValue;
  return lowValue + (highValue - lowValue) * (rank - low);
}

export function percentile(values: readonly number[], p: number): number {
  return percentileOfSorted(sortedCopy(values), p);
}

export function spread(values: readonly number[]): Spread {
  const sorted = sortedCopy(values);
  return {
    median: percentileOfSorted(sorted, 50),
    min: sorted[0] ?? Number.NaN,
    max: sorted[sorted.length - 1] ?? Number.NaN,
    p25: percentileOfSorted(sorted, 25),
    p75: percentileOfSorted(sorted, 75),
    samples: sorted.length,
  };
}

export interface Latency {
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
  samples: number;
}

export function latency(valuesMs: readonly number[]): Latency {
  const sorted = sortedCopy(valuesMs);
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    p50: percentileOfSorted(sorted, 50),
    p95: percentileOfSorted(sorted, 95),
    p99: percentileOfSorted(sorted, 99),
    max: sorted[sorted.length - 1] ?? Number.NaN,
    mean: sorted.length ? sum / sorted.length : Number.NaN,
    samples: sorted.length,
  };
}

function sortedCopy(values: readonly number[]): number[] {
  return [...values].sort((a, b) => a - b);
}
