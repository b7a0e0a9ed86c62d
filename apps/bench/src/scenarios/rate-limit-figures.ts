import { percentile } from "../statistics.js";

/** `--rate-limit 200/1s`: `limit` starts per `perMs`. */
export interface RateSpec {
  readonly limit: number;
  readonly perMs: number;
  /** As typed, e.g. "1s": what the Job's `rateLimit.per` is given. */
  readonly per: string;
}

const unitMs: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** "200/1s", "50/500ms", "6000/1m" → a RateSpec; anything else throws naming the flag. */
export function parseRateSpec(text: string): RateSpec {
  const match = /^\s*(\d+)\s*\/\s*((\d+(?:\.\d+)?)\s*(ms|s|m|h))\s*$/.exec(text);
  const limit = Number(match?.[1]);
  const perMs = Number(match?.[3]) * (unitMs[match?.[4] ?? ""] ?? Number.NaN);
  if (!match || !Number.isSafeInteger(limit) || limit < 1 || !(perMs >= 1)) {
    throw new Error(`--rate-limit: expected <limit>/<period> such as 200/1s or 50/500ms, got ${JSON.stringify(text)}`);
  }
  return { limit, perMs, per: match[2]!.replace(/\s+/g, "") };
}

/** Milliseconds → whole microseconds: the stores' resolution, so a slot exactly one span after another counts outside it. */
function micros(ms: number): number {
  return Math.round(ms * 1000);
}

/** How many of `times` fall in each of `windows` consecutive half-open windows of `windowMs` from `fromMs`. */
export function windowCounts(times: readonly number[], fromMs: number, windowMs: number, windows: number): number[] {
  const counts = new Array<number>(windows).fill(0);
  const from = micros(fromMs);
  const width = micros(windowMs);
  for (const time of times) {
    const index = Math.floor((micros(time) - from) / width);
    if (index >= 0 && index < windows) counts[index]! += 1;
  }
  return counts;
}

/** The most of `times` any half-open span of `spanMs` holds, wherever it starts (it starts at some time, so only those are tried). */
export function busiestWindow(times: readonly number[], spanMs: number): number {
  const sorted = times.map(micros).sort((left, right) => left - right);
  const span = micros(spanMs);
  let most = 0;
  for (let first = 0, next = 0; first < sorted.length; first++) {
    while (next < sorted.length && sorted[next]! < sorted[first]! + span) next++;
    most = Math.max(most, next - first);
  }
  return most;
}

/**
 * The documented bound of one bucket (GCRA, `docs/guarantees.md`): starts come `intervalMs`
 * apart and an idle bucket allows `burst` at once, so a span of `spanMs` holds at most
 * ⌈spanMs / intervalMs⌉ + burst − 1. For 200/1s, burst 5: 204 in any 1 s.
 */
export function documentedBound(rate: RateSpec, burst: number, spanMs: number): number {
  // Integer arithmetic: spanMs / (perMs / limit) without the float of the interval.
  return Math.ceil((spanMs * rate.limit) / rate.perMs - 1e-9) + burst - 1;
}

/** What one saturated bucket is owed over `durationMs` from its first slot: the same formula, the limit reached. */
export function expectedPerBucket(rate: RateSpec, burst: number, durationMs: number): number {
  return documentedBound(rate, burst, durationMs);
}

export interface WindowStats {
  /** Per-window counts across every bucket's windows. */
  readonly max: number;
  readonly min: number;
  readonly p50: number;
  /** The busiest 1 s anywhere (not only on window edges), over every bucket. */
  readonly busiestSliding: number;
}

export interface BucketFigures {
  /** Slots granted in the bucket's measured span. */
  readonly granted: number;
  readonly windows: readonly number[];
  readonly busiestSliding: number;
}

/**
 * One bucket's slots (store clock) counted over `durationMs` from its first
 * slot, in whole windows of `windowMs` (a trailing part-window is left out of
 * the window statistics, not of `granted`).
 */
export function bucketFigures(times: readonly number[], windowMs: number, durationMs: number): BucketFigures {
  if (times.length === 0) return { granted: 0, windows: [], busiestSliding: 0 };
  const first = Math.min(...times);
  const end = micros(first + durationMs);
  const measured = times.filter((time) => micros(time) < end);
  const windows = windowCounts(measured, first, windowMs, Math.floor(durationMs / windowMs));
  return { granted: measured.length, windows, busiestSliding: busiestWindow(measured, windowMs) };
}

/** Max, min and median of every bucket's windows; the busiest sliding window of any bucket. */
export function windowStats(buckets: readonly BucketFigures[]): WindowStats {
  const all = buckets.flatMap((bucket) => bucket.windows);
  if (all.length === 0) return { max: 0, min: 0, p50: 0, busiestSliding: Math.max(0, ...buckets.map((bucket) => bucket.busiestSliding)) };
  return { max: Math.max(...all), min: Math.min(...all), p50: percentile(all, 50), busiestSliding: Math.max(...buckets.map((bucket) => bucket.busiestSliding)) };
}

/** Times grouped by bucket key. */
export function byKey<T extends { readonly key: string; readonly at: number }>(events: readonly T[]): Map<string, number[]> {
  const groups = new Map<string, number[]>();
  for (const event of events) {
    const times = groups.get(event.key);
    if (times) times.push(event.at);
    else groups.set(event.key, [event.at]);
  }
  return groups;
}

/** Counts added up by name (each worker's store calls, say). */
export function addCounts(counts: readonly Readonly<Record<string, number>>[]): Record<string, number> {
  const total: Record<string, number> = {};
  for (const count of counts) for (const [name, value] of Object.entries(count)) total[name] = (total[name] ?? 0) + value;
  return total;
}

/** Each count divided by `jobs`, rounded to 3 decimals; {} when no job ran. */
export function perJob(counts: Readonly<Record<string, number>>, jobs: number): Record<string, number> {
  if (jobs <= 0) return {};
  return Object.fromEntries(Object.entries(counts).map(([name, value]) => [name, Math.round((value / jobs) * 1000) / 1000]));
}
