import { HISTORY_BUCKET_MS, HISTORY_WINDOW_MS } from "./history-window.js";
import { LATENCY_BINS, latencyBin } from "./latency-histogram.js";

/** One queue's counts over one bucket, in one process. */
export interface HistorySample {
  readonly queue: string;
  readonly bucketStartMs: number;
  /** Runs whose perform returned. */
  completed: number;
  /** Runs whose perform threw (retried, discarded or dead-lettered; not cancelled, not an iteration's stop). */
  failed: number;
  /** Messages this process dead-lettered from the queue. */
  dead: number;
  /** First attempts' waits from due (runAt, else enqueuedAt) to start, by `latencyBin`. */
  readonly latency: Uint32Array;
}

/**
 * A worker's history, counted in memory: each event is a Map lookup and a
 * counter increment, never a store call. `take` hands over the buckets that
 * have ended (a flush), so samples live in the process for at most a bucket
 * plus a flush; a process killed before its flush loses them.
 */
export class HistorySampler {
  /** Each queue's bucket being counted. */
  private readonly current = new Map<string, HistorySample>();
  private ended: HistorySample[] = [];

  constructor(
    private readonly bucketMs = HISTORY_BUCKET_MS,
    private readonly clock: () => number = Date.now,
    /** Ended buckets older than this are dropped untaken: a flush that hangs must not grow memory. */
    private readonly keepMs = HISTORY_WINDOW_MS,
  ) {}

  /** A first attempt started; `dueMs` is when it could have started at the earliest (epoch ms). */
  started(queue: string, dueMs: number): void {
    const now = this.clock();
    const sample = this.sample(queue, now);
    sample.latency[latencyBin(now - dueMs)]! += 1;
  }

  completed(queue: string): void {
    this.sample(queue, this.clock()).completed += 1;
  }

  failed(queue: string): void {
    this.sample(queue, this.clock()).failed += 1;
  }

  dead(queue: string): void {
    this.sample(queue, this.clock()).dead += 1;
  }

  /** The buckets that have ended (every bucket, with `all`: a worker stopping), removed from the sampler. */
  take(all = false): HistorySample[] {
    const start = this.bucketStart(this.clock());
    for (const [queue, sample] of this.current) {
      if (all || sample.bucketStartMs !== start) {
        this.ended.push(sample);
        this.current.delete(queue);
      }
    }
    const taken = this.ended;
    this.ended = [];
    return taken;
  }

  private sample(queue: string, now: number): HistorySample {
    const start = this.bucketStart(now);
    const sample = this.current.get(queue);
    if (sample?.bucketStartMs === start) return sample;
    if (sample) {
      this.ended.push(sample);
      if (this.ended[0]!.bucketStartMs < start - this.keepMs) this.ended = this.ended.filter((each) => each.bucketStartMs >= start - this.keepMs);
    }
    const fresh: HistorySample = { queue, bucketStartMs: start, completed: 0, failed: 0, dead: 0, latency: new Uint32Array(LATENCY_BINS) };
    this.current.set(queue, fresh);
    return fresh;
  }

  private bucketStart(now: number): number {
    return now - (now % this.bucketMs);
  }
}
