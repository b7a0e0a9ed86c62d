import type { CoordinationStore } from "../coordination/coordination-store.js";
import { ConfigurationError } from "../errors/configuration-error.js";
import { HISTORY_BUCKET_MS, HISTORY_ENTRY_FORMAT, HISTORY_WINDOW_MS, historyKeys } from "./history-window.js";
import { LATENCY_BINS, latencyPercentile } from "./latency-histogram.js";

/** One bucket of a queue's history, every worker's counts added up. */
export interface QueueHistoryBucket {
  /** When the bucket starts (ISO 8601, on the workers' clocks). */
  readonly at: string;
  /** Runs whose perform returned. */
  readonly completed: number;
  /** Runs whose perform threw (retried, discarded or dead-lettered). */
  readonly failed: number;
  /** Messages dead-lettered from the queue. */
  readonly dead: number;
  /** First attempts started (the latency's sample count). */
  readonly started: number;
  /** Wait from due (runAt, else enqueuedAt) to a first attempt's start, in ms; absent when none started. */
  readonly latencyP50Ms?: number;
  readonly latencyP99Ms?: number;
}

/** `hopper.queues.history(queue)`: sampled counts of the last minutes, oldest bucket first. */
export interface QueueHistory {
  readonly queue: string;
  readonly bucketMs: number;
  /** Every bucket of the span, ones without samples as zeros, the bucket under way last (written only once it ends). */
  readonly buckets: readonly QueueHistoryBucket[];
  /** The whole span's counts, and latency percentiles over every sample in it. */
  readonly total: Omit<QueueHistoryBucket, "at">;
}

export interface QueueHistoryOptions {
  /** How far back, in whole minutes, from 1 to 60 (the window kept). Default 60. */
  readonly minutes?: number;
}

interface Merged {
  completed: number;
  failed: number;
  dead: number;
  readonly latency: Map<number, number>;
}

export function checkHistoryMinutes(minutes: unknown): number {
  if (minutes === undefined) return HISTORY_WINDOW_MS / 60_000;
  if (typeof minutes !== "number" || !Number.isInteger(minutes) || minutes < 1 || minutes > HISTORY_WINDOW_MS / 60_000) {
    throw new ConfigurationError({ field: "minutes", message: `must be a whole number of minutes from 1 to ${HISTORY_WINDOW_MS / 60_000} (the window queue history keeps), got ${JSON.stringify(minutes)}` });
  }
  return minutes;
}

/** Reads and adds up every worker's entries for the buckets of the last `minutes` (one list per 10-minute slab). */
export async function readQueueHistory(coordination: CoordinationStore, queue: string, minutes: number, now = Date.now(), bucketMs = HISTORY_BUCKET_MS): Promise<QueueHistory> {
  const last = now - (now % bucketMs);
  const first = last - (minutes * 60_000) + bucketMs;
  const lists = await Promise.all(historyKeys(queue, first, last).map((key) => coordination.listEntries(key)));
  const byBucket = new Map<number, Merged>();
  for (const entries of lists) {
    for (const { value } of entries) {
      const sample = parseSample(value);
      if (!sample || sample.bucket < first || sample.bucket > last) continue;
      let merged = byBucket.get(sample.bucket);
      if (!merged) byBucket.set(sample.bucket, (merged = { completed: 0, failed: 0, dead: 0, latency: new Map() }));
      addInto(merged, sample);
    }
  }
  const total: Merged = { completed: 0, failed: 0, dead: 0, latency: new Map() };
  const buckets: QueueHistoryBucket[] = [];
  for (let start = first; start <= last; start += bucketMs) {
    const merged = byBucket.get(start) ?? { completed: 0, failed: 0, dead: 0, latency: new Map<number, number>() };
    addInto(total, { ...merged, latency: Object.fromEntries(merged.latency) });
    buckets.push({ at: new Date(start).toISOString(), ...summarize(merged) });
  }
  return { queue, bucketMs, buckets, total: summarize(total) };
}

function summarize(merged: Merged): Omit<QueueHistoryBucket, "at"> {
  let started = 0;
  for (const count of merged.latency.values()) started += count;
  const p50 = latencyPercentile(merged.latency, 0.5);
  const p99 = latencyPercentile(merged.latency, 0.99);
  return { completed: merged.completed, failed: merged.failed, dead: merged.dead, started, ...(p50 !== undefined && { latencyP50Ms: p50 }), ...(p99 !== undefined && { latencyP99Ms: p99 }) };
}

interface StoredSample {
  readonly bucket: number;
  readonly completed: number;
  readonly failed: number;
  readonly dead: number;
  readonly latency: Readonly<Record<string, number>>;
}

function addInto(merged: Merged, sample: Omit<StoredSample, "bucket">): void {
  merged.completed += sample.completed;
  merged.failed += sample.failed;
  merged.dead += sample.dead;
  for (const [bin, count] of Object.entries(sample.latency)) merged.latency.set(Number(bin), (merged.latency.get(Number(bin)) ?? 0) + count);
}

const isCount = (value: unknown): value is number => typeof value === "number" && Number.isSafeInteger(value) && value >= 0;

/** An entry as a worker wrote it; anything else under the key (another format, garbage) is skipped, never thrown. */
function parseSample(value: string): StoredSample | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null) return undefined;
  const { format, bucket, completed, failed, dead, latency } = parsed as Record<string, unknown>;
  if (format !== HISTORY_ENTRY_FORMAT || !isCount(bucket) || !isCount(completed) || !isCount(failed) || !isCount(dead)) return undefined;
  if (typeof latency !== "object" || latency === null) return undefined;
  const bins: Record<string, number> = {};
  for (const [bin, count] of Object.entries(latency)) {
    const index = Number(bin);
    if (Number.isInteger(index) && index >= 0 && index < LATENCY_BINS && isCount(count)) bins[index] = count;
  }
  return { bucket, completed, failed, dead, latency: bins };
}
