import type { Backend, QueueStats } from "../backend/backend.js";
import type { CoordinationStore } from "../coordination/coordination-store.js";
import { ConfigurationError } from "../errors/configuration-error.js";
import { deadLetterQueueName, validateQueueName } from "../names.js";
import { readQueuePaused, setQueuePaused } from "./queue-pauses.js";
import { checkHistoryMinutes, readQueueHistory, type QueueHistory, type QueueHistoryOptions } from "../history/queue-history.js";

/** One queue as `hopper.queues.list()` reports it. */
export interface QueueInfo {
  readonly name: string;
  readonly paused: boolean;
  /** The backend's counts; absent when it keeps none (`Backend.stats` is optional). */
  readonly stats?: QueueStats;
  /** Messages in the queue's dead letters (`<queue>-dead`), from the same backend counts; absent when it keeps none. */
  readonly dead?: number;
}

/**
 * `hopper.queues`: pause and resume queues in every worker sharing the
 * coordination store, without restarts. A paused queue still takes enqueues;
 * workers stop starting its jobs within their `pauseCheck` (default 1 s) plus
 * a round trip to the store, hand its buffered jobs back unstarted, and let
 * its running jobs finish.
 */
export interface Queues {
  pause(name: string): Promise<void>;
  resume(name: string): Promise<void>;
  /** The queues of the registered jobs, in registration order, each with its paused flag and counts. */
  list(): Promise<QueueInfo[]>;
  /**
   * The queue's sampled history of the last `minutes` (default and most 60): per 10 s bucket, runs
   * completed and failed, dead letters, and enqueue → start latency p50/p99, added up over every
   * worker sharing the coordination store. Workers write a bucket once it has ended, so the bucket
   * under way reads as empty. Without a shared coordination store (SQS and Pub/Sub given none) it
   * rejects with ConfigurationError naming `coordination`.
   */
  history(name: string, options?: QueueHistoryOptions): Promise<QueueHistory>;
}

export interface QueuesDependencies {
  /** The registered jobs' queues: the names this Hopper knows. */
  readonly known: () => readonly string[];
  readonly coordination: CoordinationStore;
  readonly backend: () => Promise<Backend>;
}

export function createQueues(dependencies: QueuesDependencies): Queues {
  const knownQueue = (name: unknown): string => {
    const queue = validateQueueName(name, "queue");
    const known = dependencies.known();
    if (!known.includes(queue)) {
      const names = known.length > 0 ? `this Hopper's queues are ${known.map((each) => JSON.stringify(each)).join(", ")}` : "this Hopper has no jobs registered";
      throw new ConfigurationError({ field: "queue", message: `no registered job uses queue ${JSON.stringify(queue)} (${names}): check the name, or register the jobs that use it with createHopper({ jobs })` });
    }
    return queue;
  };
  return {
    async pause(name) {
      await setQueuePaused(dependencies.coordination, knownQueue(name), true);
    },
    async resume(name) {
      await setQueuePaused(dependencies.coordination, knownQueue(name), false);
    },
    async history(name, options) {
      const queue = knownQueue(name);
      return readQueueHistory(dependencies.coordination, queue, checkHistoryMinutes(options?.minutes));
    },
    async list() {
      const backend = await dependencies.backend();
      const stats = backend.stats?.bind(backend);
      return Promise.all(
        dependencies.known().map(async (name) => {
          const [paused, counts, deadCounts] = await Promise.all([readQueuePaused(dependencies.coordination, name), stats?.(name), stats?.(deadLetterQueueName(name))]);
          const dead = deadCounts && deadCounts.ready + deadCounts.delayed + deadCounts.inFlight;
          return { name, paused, ...(counts && { stats: counts }), ...(dead !== undefined && { dead }) };
        }),
      );
    },
  };
}
