/**
 * Every peer's throughput settings, as data: the variants `--profile sweep`
 * tries and the one the other profiles use. benchmarks/README.md explains each
 * choice with a link to the peer's own docs; this file holds no library import
 * so the parent process can list variants without loading a peer.
 *
 * A variant maps the bench's concurrency c (handler calls running at once) to
 * the peer's own options.
 */
export type SettingsOf<T> = (concurrency: number) => T;

export interface PgBossSettings {
  /** Jobs one fetch locks (pg-boss `batchSize`). */
  readonly batchSize: number;
  /** Polling workers per process (pg-boss `localConcurrency`, the same as several `work()` calls). */
  readonly localConcurrency: number;
  /** Fetch again at once while fetches come back full (pg-boss 12 `burstWhenBatchFull`). */
  readonly burstWhenBatchFull: boolean;
  /** pg-boss's minimum, 0.5 s. */
  readonly pollingIntervalSeconds: number;
  /**
   * The poll while NOTIFY is on (pg-boss 12 `notifyPollingIntervalSeconds`, default 30 s). pg-boss
   * sends no NOTIFY for a job whose `startAfter` is ahead ("left to the polling floor"), so this
   * poll is what starts delayed jobs: the bench keeps it at `pollingIntervalSeconds`.
   */
  readonly notifyPollingIntervalSeconds: number;
  /** LISTEN/NOTIFY wake-ups (`useListenNotify` + the queue's `notify`). */
  readonly listenNotify: boolean;
  /** pg pool size (pg-boss `max`). */
  readonly poolSize: number;
}

export interface GraphileWorkerSettings {
  /** `localQueue.size`; -1 turns the local queue off (graphile-worker's default). */
  readonly localQueueSize: number;
  /** `completeJobBatchDelay` in ms; -1 completes each job on its own (the default). */
  readonly completeJobBatchDelayMs: number;
  /** `maxPoolSize`. */
  readonly maxPoolSize: number;
}

export interface BullmqSettings {
  /** Worker instances in the process; each gets concurrency c / workers. */
  readonly workers: number;
  /** pg pool size, for the PostgreSQL backend only (node-postgres's default is 10). */
  readonly poolSize?: number;
}

/** graphile-worker's docs: "10 or concurrentJobs + 2, whichever is larger". */
const graphilePool = (concurrency: number) => Math.max(10, concurrency + 2);

export const pgBossVariants: Readonly<Record<string, SettingsOf<PgBossSettings>>> = {
  // What the bench ran before issue 17: one work() whose batch is the concurrency.
  "batch=c": (c) => ({ batchSize: c, localConcurrency: 1, burstWhenBatchFull: false, pollingIntervalSeconds: 0.5, notifyPollingIntervalSeconds: 0.5, listenNotify: false, poolSize: 10 }),
  "batch=500,burst": () => ({ batchSize: 500, localConcurrency: 1, burstWhenBatchFull: true, pollingIntervalSeconds: 0.5, notifyPollingIntervalSeconds: 0.5, listenNotify: true, poolSize: 10 }),
  "batch=500,burst,2 workers": () => ({ batchSize: 500, localConcurrency: 2, burstWhenBatchFull: true, pollingIntervalSeconds: 0.5, notifyPollingIntervalSeconds: 0.5, listenNotify: true, poolSize: 10 }),
  "batch=100,burst,4 workers": () => ({ batchSize: 100, localConcurrency: 4, burstWhenBatchFull: true, pollingIntervalSeconds: 0.5, notifyPollingIntervalSeconds: 0.5, listenNotify: true, poolSize: 10 }),
};

export const graphileWorkerVariants: Readonly<Record<string, SettingsOf<GraphileWorkerSettings>>> = {
  defaults: (c) => ({ localQueueSize: -1, completeJobBatchDelayMs: -1, maxPoolSize: graphilePool(c) }),
  "localQueue=c+1": (c) => ({ localQueueSize: c + 1, completeJobBatchDelayMs: 0, maxPoolSize: graphilePool(c) }),
  "localQueue=500,batch 0": (c) => ({ localQueueSize: 500, completeJobBatchDelayMs: 0, maxPoolSize: graphilePool(c) }),
  "localQueue=500,batch 250ms": (c) => ({ localQueueSize: 500, completeJobBatchDelayMs: 250, maxPoolSize: graphilePool(c) }),
};

export const bullmqVariants: Readonly<Record<string, SettingsOf<BullmqSettings>>> = {
  "1 worker": () => ({ workers: 1 }),
  "2 workers": (c) => ({ workers: Math.min(2, c) }),
};

export const bullmqPostgresVariants: Readonly<Record<string, SettingsOf<BullmqSettings>>> = {
  "1 worker,pool 10": () => ({ workers: 1, poolSize: 10 }),
  "1 worker,pool c+2": (c) => ({ workers: 1, poolSize: Math.max(10, c + 2) }),
};

/**
 * The variant every profile but `sweep` runs, per library: the best of
 * `pnpm bench --profile sweep` (see benchmarks/README.md for the figures).
 */
export const chosenVariants: Readonly<Record<string, string>> = {
  "pg-boss": "batch=500,burst,2 workers",
  "graphile-worker": "localQueue=500,batch 250ms",
  bullmq: "2 workers",
  "bullmq-postgres": "1 worker,pool 10",
};

export const variantsByLibrary: Readonly<Record<string, Readonly<Record<string, SettingsOf<object>>>>> = {
  "pg-boss": pgBossVariants,
  "graphile-worker": graphileWorkerVariants,
  bullmq: bullmqVariants,
  "bullmq-postgres": bullmqPostgresVariants,
};

/** The settings of `variant` (or the chosen one) for `library`; a clear error for an unknown name. */
export function settingsFor<T>(library: string, variants: Readonly<Record<string, SettingsOf<T>>>, variant: string | undefined): { name: string; at: SettingsOf<T> } {
  const name = variant ?? chosenVariants[library];
  const at = name === undefined ? undefined : variants[name];
  if (!name || !at) throw new Error(`${library} has no settings variant ${JSON.stringify(name)}: use one of ${Object.keys(variants).join(", ")}`);
  return { name, at };
}
