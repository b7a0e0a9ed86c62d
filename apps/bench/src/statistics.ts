/** Summary of repeated measurements: the median is the figure quoted, the rest shows the spread. */
export interface Summary {
  readonly count: number;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** 25th and 75th percentiles (linear interpolation). */
  readonly q1: number;
  readonly q3: number;
}

function sortedCopy(values: readonly number[]): number[] {
  return values.filter((value) => Number.isFinite(value)).sort((left, right) => left - right);
}

/**
 * The p-th percentile (0–100) with linear interpolation between closest ranks
 * (the "R-7" definition used by numpy and spreadsheets). NaN for no values.
 */
export function percentile(values: readonly number[], p: number): number {
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within 0..100, got ${p}`);
  const sorted = sortedCopy(values);
  return percentileOfSorted(sorted, p);
}

function percentileOfSorted(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = (p / 100) * (sorted.length - 1);
  const lower = Math.floor(rank);
  const upper = Math.ceil(rank);
  const weight = rank - lower;
  return sorted[lower]! + (sorted[upper]! - sorted[lower]!) * weight;
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

export function summarize(values: readonly number[]): Summary {
  const sorted = sortedCopy(values);
  return {
    count: sorted.length,
    median: percentileOfSorted(sorted, 50),
    min: sorted.length ? sorted[0]! : Number.NaN,
    max: sorted.length ? sorted[sorted.length - 1]! : Number.NaN,
    q1: percentileOfSorted(sorted, 25),
    q3: percentileOfSorted(sorted, 75),
  };
}

/** Spread relative to the median, (max − min) / median; a quick noise flag. */
export function relativeSpread(summary: Summary): number {
  if (!summary.count || summary.median === 0) return Number.NaN;
  return (summary.max - summary.min) / Math.abs(summary.median);
}

export interface LatencyPercentiles {
  readonly count: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

export function latencyPercentiles(values: readonly number[]): LatencyPercentiles {
  const sorted = sortedCopy(values);
  return {
    count: sorted.length,
    p50: percentileOfSorted(sorted, 50),
    p95: percentileOfSorted(sorted, 95),
    p99: percentileOfSorted(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1]! : Number.NaN,
  };
}

/** a / b, or NaN when either side is missing or b is zero. */
export function ratio(numerator: number | undefined, denominator: number | undefined): number {
  if (numerator === undefined || denominator === undefined || !Number.isFinite(numerator) || !Number.isFinite(denominator) || denominator === 0) return Number.NaN;
  return numerator / denominator;
}
