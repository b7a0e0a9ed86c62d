/** What every job carries: when it was sent (ms, this process's clock), when it was due, and padding to reach a payload size. */
export interface BenchJob {
  readonly sentAt: number;
  readonly runAt?: number;
  readonly padding: string;
}

export type JobHandler = (job: BenchJob) => Promise<void> | void;

export interface Consumer {
  /** Stops taking jobs and lets running ones finish. */
  stop(): Promise<void>;
}

/**
 * One thing the bench measures: Hopper on a backend, the raw client doing the
 * least work for the same guarantee, or a peer library. Producer and consumer
 * live in the same (child) process, so `sentAt` and the start time share a clock.
 */
export interface BenchSubject {
  /** Largest padding this subject takes in one job; payload sizes above it are skipped. */
  readonly maxPayloadBytes: number;
  readonly supportsDelay: boolean;
  /** Creates what a queue needs (queue, topic, table) outside the timed region. */
  prepare(queue: string): Promise<void>;
  enqueueOne(queue: string, job: BenchJob, delayMs?: number): Promise<void>;
  /** One bulk call (the subject splits it where its server limits a batch). */
  enqueueMany(queue: string, jobs: readonly BenchJob[]): Promise<void>;
  /** Resolves once the consumer is running. Each job acked only after `handler` settles. */
  consume(queue: string, concurrency: number, handler: JobHandler): Promise<Consumer>;
  close(): Promise<void>;
}

/** Milliseconds with sub-millisecond precision, comparable within one process. */
export function now(): number {
  return performance.timeOrigin + performance.now();
}

export function encodeJob(job: BenchJob): string {
  return JSON.stringify(job);
}

export function decodeJob(text: string): BenchJob {
  return JSON.parse(text) as BenchJob;
}

/** Splits `items` into chunks of at most `size` items and `maxBytes` total (by `bytesOf`). */
export function chunk<T>(items: readonly T[], size: number, maxBytes = Number.POSITIVE_INFINITY, bytesOf: (item: T) => number = () => 0): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let currentBytes = 0;
  for (const item of items) {
    const bytes = bytesOf(item);
    if (current.length > 0 && (current.length >= size || currentBytes + bytes > maxBytes)) {
      chunks.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(item);
    currentBytes += bytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
