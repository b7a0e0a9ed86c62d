/**
 * Enqueue → start latency in a small fixed-size log-scale histogram: recording a
 * job is one array increment, and histograms from any number of workers merge by
 * adding bins. Bin 0 holds everything under 1 ms; bin i ≥ 1 holds
 * [2^((i−1)/4), 2^(i/4)) ms, so a percentile read from it is at most 19% above
 * the true value; the last bin (from about 30 h up) holds the rest.
 */
export const LATENCY_BINS = 112;

/** The bin of a latency; a negative one (the enqueuer's clock ahead of this worker's) or NaN counts as under 1 ms. */
export function latencyBin(ms: number): number {
  if (!(ms >= 1)) return 0;
  return Math.min(LATENCY_BINS - 1, 1 + Math.floor(Math.log2(ms) * 4));
}

/** The upper edge of a bin, in ms: what a percentile falling in it reads as. */
export function latencyBinUpperMs(bin: number): number {
  return 2 ** (bin / 4);
}

/**
 * The `fraction` percentile (0.5 for p50) of a histogram given as bin → count,
 * rounded to whole ms (at least 1); undefined when it counts nothing.
 */
export function latencyPercentile(bins: ReadonlyMap<number, number>, fraction: number): number | undefined {
  let total = 0;
  for (const count of bins.values()) total += count;
  if (total === 0) return undefined;
  const rank = Math.max(1, Math.ceil(total * fraction));
  let seen = 0;
  for (const bin of [...bins.keys()].sort((a, b) => a - b)) {
    seen += bins.get(bin)!;
    if (seen >= rank) return Math.max(1, Math.round(latencyBinUpperMs(bin)));
  }
  return undefined;
}
