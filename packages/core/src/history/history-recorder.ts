import { randomUUID } from "node:crypto";
import type { CoordinationStore } from "../coordination/coordination-store.js";
import { ConfigurationError } from "../errors/configuration-error.js";
import type { Logger } from "../logger.js";
import { HistorySampler, type HistorySample } from "./history-sampler.js";
import { HISTORY_BUCKET_MS, HISTORY_ENTRY_FORMAT, HISTORY_WINDOW_MS, historyKey } from "./history-window.js";

export interface HistoryRecorderOptions {
  readonly coordination: CoordinationStore;
  readonly logger: Logger;
  readonly bucketMs?: number;
  readonly windowMs?: number;
  readonly clock?: () => number;
}

/** Longest a stopping worker waits to flush its last samples. */
const stopBoundMs = 2000;

/**
 * A worker's queue history: counted by its `sampler` in memory, written once
 * per bucket per active queue, just after each bucket ends, as an entry
 * (`putEntry`) of that queue's slab key, member `<recorder id>:<bucket>:<n>`,
 * live for the window. Readers add every worker's entries up. A graceful stop
 * writes the bucket under way too; a killed worker loses its unwritten buckets
 * (at most one bucket and a flush). A store that fails is logged once and the
 * samples are tried again at the next flush while they are inside the window;
 * no store at all (SQS or Pub/Sub given none) means no history, said once.
 */
export class HistoryRecorder {
  readonly sampler: HistorySampler;
  private readonly id = randomUUID();
  private readonly bucketMs: number;
  private readonly windowMs: number;
  private readonly clock: () => number;
  private sequence = 0;
  /** Samples taken but not written yet (the store failed). */
  private unwritten: HistorySample[] = [];
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private failing = false;
  private noStore = false;
  private started = false;

  constructor(private readonly options: HistoryRecorderOptions) {
    this.bucketMs = options.bucketMs ?? HISTORY_BUCKET_MS;
    this.windowMs = options.windowMs ?? HISTORY_WINDOW_MS;
    this.clock = options.clock ?? Date.now;
    this.sampler = new HistorySampler(this.bucketMs, this.clock, this.windowMs);
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.schedule();
  }

  /** Stops the timer and writes every sample, the bucket under way included, waiting at most `stopBoundMs`. */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    clearTimeout(this.timer);
    let bound: NodeJS.Timeout | undefined;
    await Promise.race([this.flush(true), new Promise<void>((resolve) => (bound = setTimeout(resolve, stopBoundMs)))]);
    clearTimeout(bound);
  }

  /** Writes the samples of the buckets that have ended (all of them, with `all`). One flush at a time. */
  async flush(all = false): Promise<void> {
    await this.flushing;
    this.flushing = this.write(all).finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private schedule(): void {
    // Just after the next bucket boundary, so a bucket is in the store about as soon as it has ended.
    const now = this.clock();
    this.timer = setTimeout(() => {
      void this.flush().finally(() => this.started && this.schedule());
    }, this.bucketMs - (now % this.bucketMs) + 50);
    this.timer.unref();
  }

  private async write(all: boolean): Promise<void> {
    const taken = this.sampler.take(all);
    if (this.noStore) return;
    const oldest = this.clock() - this.windowMs;
    const samples = [...this.unwritten, ...taken].filter((sample) => sample.bucketStartMs >= oldest);
    this.unwritten = [];
    const { coordination, logger } = this.options;
    for (let index = 0; index < samples.length; index++) {
      const sample = samples[index]!;
      try {
        await coordination.putEntry(historyKey(sample.queue, sample.bucketStartMs), `${this.id}:${sample.bucketStartMs}:${this.sequence++}`, encodeSample(sample), this.windowMs + this.bucketMs);
        this.failing = false;
      } catch (error) {
        if (ConfigurationError.isInstance(error)) {
          this.noStore = true;
          logger.info("this worker keeps no queue history: it has no coordination store (hopper.queues.history needs one every process shares)", { error });
          return;
        }
        if (!this.failing) logger.warn("could not write queue history; trying again at the next flush", { error });
        this.failing = true;
        // Added to, not replaced: a stop's flush may have failed beside the timer's.
        this.unwritten.push(...samples.slice(index));
        return;
      }
    }
  }
}

function encodeSample(sample: HistorySample): string {
  const latency: Record<number, number> = {};
  sample.latency.forEach((count, bin) => {
    if (count > 0) latency[bin] = count;
  });
  return JSON.stringify({ format: HISTORY_ENTRY_FORMAT, bucket: sample.bucketStartMs, completed: sample.completed, failed: sample.failed, dead: sample.dead, latency });
}
