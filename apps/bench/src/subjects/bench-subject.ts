/** What every job carries: when it was sent (ms, this process's clock), when it was due, and padding to reach a payload size. */
export interface BenchJob {
  readonly sentAt: number;
  readonly runAt?: number;
  readonly padding: string;
  /** The job's number within its run (a latency step, a drain, the delayed jobs), so a job started twice counts once (scenarios/first-starts.ts). */
  readonly seq?: number;
}

export type JobHandler = (job: BenchJob) => Promise<void> | void;

export interface Consumer {
  /** Stops taking jobs and lets running ones finish. */
  stop(): Promise<void>;
}

/**
 * How a subject's consumer runs at one concurrency, recorded with every drain
 * point (benchmarks/README.md, "One definition of concurrency").
 */
export interface ConsumerShape {
  /** Handler calls running at once, whatever the library calls it: the same c for every subject. */
  readonly concurrency: number;
  /** Most jobs the subject fetches or locks ahead of (or beside) its running handlers. */
  readonly prefetch: number;
  /** True when a job's slot frees as its handler returns and the ack travels while the next receive does. */
  readonly ackOverlapsReceive: boolean;
  /** The settings variant (peers; see peer-settings.ts) and the library's own options at this concurrency. */
  readonly variant?: string;
  readonly settings: Readonly<Record<string, string | number | boolean>>;
}

/**
 * One thing the bench measures: Hopper on a backend, the raw client doing the
 * least work for the same guarantee, or a peer library. Producer and consumer
 * live in the same (child) process, so `sentAt` and the start time share a clock, except
 * in the latency scenario's `process` layout and the scale-out scenario, whose workers run
 * in other processes of this machine: `now()` there is the same clock (scenarios/latency-worker.ts).
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
  /**
   * Resolves once the consumer is running, `concurrency` handler calls at most
   * at once. Each job acked only after `handler` settles. Works in a process
   * that did not prepare `queue` (scale-out workers consume a queue another
   * process filled).
   */
  consume(queue: string, concurrency: number, handler: JobHandler): Promise<Consumer>;
  /**
   * Run after a drain point's fill, before its timed drain: the backend's preparation
   * (fill-preparation.ts), added by `createSubject` to every subject of the backend alike.
   */
  afterFill?(queue: string): Promise<void>;
  /** What `consume(queue, concurrency, …)` runs with, for the results. */
  shape(concurrency: number): ConsumerShape;
  close(): Promise<void>;
}

/**
 * Milliseconds with sub-millisecond precision on the machine's monotonic clock (CLOCK_MONOTONIC, read by
 * `process.hrtime`): comparable within one process and across the processes of one machine
 * (scenarios/latency-worker.ts), never with wall-clock times such as `Date.now()` or a server's clock.
 */
export function now(): number {
  return Number(process.hrtime.bigint()) / 1e6;
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

/** Runs tasks with at most `limit` at once, first come first served (for libraries that hand over more jobs than c). */
export function createLimiter(limit: number): <T>(task: () => Promise<T> | T) => Promise<T> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (task) => {
    if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    else running += 1;
    try {
      return await task();
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running -= 1;
    }
  };
}
