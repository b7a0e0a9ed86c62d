import type { BackendName } from "../bench-options.js";
import type { BenchPlan, LatencyWorkerLayout, ScenarioName, SubjectKind } from "../bench-plan.js";
import type { LatencyPercentiles, Summary } from "../statistics.js";
import type { ConsumerShape } from "../subjects/bench-subject.js";

/** One subject to measure in its own child process. */
export interface SubjectSpec {
  /** e.g. "redis/hopper", "postgres/pg-boss". */
  readonly id: string;
  readonly backend: BackendName;
  readonly kind: SubjectKind;
  /** "hopper", "ioredis", "pg", "bullmq", "pg-boss", "graphile-worker", "@aws-sdk/client-sqs", "@google-cloud/pubsub". */
  readonly library: string;
  /** A peer's settings variant (subjects/peer-settings.ts); absent means the chosen one. */
  readonly variant?: string;
  /** What the subject does, for the table (e.g. "LMOVE + LREM, pipelined"). */
  readonly description: string;
  /** Connection: a Hopper URL, or the server URL/endpoint the raw client and peers use. */
  readonly connection: string;
  /** Variables the child needs (e.g. PUBSUB_EMULATOR_HOST, AWS credentials). */
  readonly env: Readonly<Record<string, string>>;
}

/** Repeated throughput measurements, jobs per second. */
export interface RateResult {
  readonly summary: Summary;
  readonly samples: readonly number[];
  /** A repetition hit the time bound: its rate counts only the jobs done by then, and no further repetitions ran. */
  readonly timedOut: boolean;
  /**
   * The warm-up hit its time bound, so no run of this point was warm: the
   * samples are all from a subject that never ran warm (marked §) and are
   * never mixed with warm ones.
   */
  readonly unwarmed?: boolean;
}

export interface DrainPoint {
  readonly concurrency: number;
  readonly rate: RateResult;
  /** What the consumer ran with: concurrency, prefetch, ack overlap, the library's settings. */
  readonly consumer?: ConsumerShape;
}

export interface LatencyRun {
  readonly offeredRate: number;
  readonly concurrency: number;
  readonly offered: number;
  readonly received: number;
  /** Latency from enqueue call to job start, ms. */
  readonly latency: LatencyPercentiles;
  readonly sustained: boolean;
  /** How the step ended within its bound (scenarios/rate-step-bounds.ts); absent in results from before the bound. */
  readonly end?: RateStepEnd;
}

export interface RateStepEnd {
  /** The step's bound, ms from its first offer: duration + 3 × grace. */
  readonly boundMs: number;
  readonly elapsedMs: number;
  /** Enqueue calls not yet answered when the measured window closed, and when the step ended. */
  readonly enqueuesPending: number;
  readonly enqueuesPendingAtEnd: number;
  /** Jobs started after the window, during the clean-up: in no figure. */
  readonly startedLate: number;
  /** Jobs of this step neither started nor failed when it ended (on the server or in unanswered enqueue calls), beside the next steps. */
  readonly leftBehind: number;
  /** False when the consumer had not stopped by the bound: the rate search ended with this step. */
  readonly consumerStopped: boolean;
}

export interface RateSearch {
  readonly p99BoundMs: number;
  /** Where the consumer of every latency step ran (`--latency-worker`); absent in results from before the choice, which all ran `same`. */
  readonly worker?: LatencyWorkerLayout;
  /** Highest offered rate tried whose jobs all started with p99 within the bound; undefined when none did. */
  readonly highestSustained: number | undefined;
  readonly steps: readonly LatencyRun[];
  /** The run at half of `highestSustained` (rounded), as long as the fixed-rate run; absent when none was sustained. */
  readonly atHalf?: LatencyRun;
}

export interface PayloadPoint {
  readonly bytes: number;
  /** The drain of the size's jobs, from the consumer ready to the last first start (in earlier results: from the start of the bulk enqueue to after the consumer's stop). */
  readonly rate?: RateResult;
  /** The bulk enqueue of the same runs at the full job count (warm runs; warm-up ones only when there is none, marked unwarmed). */
  readonly bulkEnqueue?: RateResult;
  readonly skipped?: string;
}

export interface DelayedResult {
  readonly delayMs: number;
  readonly total: number;
  readonly received: number;
  /** Start minus runAt, ms; negative means early. */
  readonly lateness: LatencyPercentiles;
  readonly early: number;
}

export interface MemoryResult {
  /** resourceUsage().maxRSS of the child at the end, bytes. */
  readonly peakRssBytes: number;
  /** Highest sampled heapUsed over the whole child, bytes. */
  readonly peakHeapBytes: number;
  /** The same two, at the end of the enqueue and drain scenarios (which every subject runs alike). */
  readonly drainPeakRssBytes?: number;
  readonly drainPeakHeapBytes?: number;
  readonly inFlight?: {
    readonly jobs: number;
    readonly reached: number;
    readonly heapPer10kBytes: number;
    readonly rssPer10kBytes: number;
  };
  /** The child's RSS with the subject's consumer idle on an empty queue, measured before any other scenario. */
  readonly idle?: IdleMemory;
}

export interface IdleMemory {
  readonly concurrency: number;
  readonly settleMs: number;
  /** RSS (and heapUsed) after settling and a forced GC, bytes. */
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
  /** The same child's RSS before it loaded the subject's library: Node plus the bench's own code. */
  readonly baseRssBytes: number;
}

/** One scale-out measurement: `workers` processes at `concurrency` each, draining one pre-filled queue. */
export interface ScaleOutPoint {
  readonly workers: number;
  readonly concurrency: number;
  readonly jobs: number;
  readonly done: number;
  /** From the first worker's consumer being ready to the last first start, in any worker. */
  readonly elapsedMs: number;
  readonly rate: number;
  /** Hit the scenario's time bound: the rate counts the jobs done by then. */
  readonly timedOut: boolean;
  /** Jobs each worker ran, so an uneven split shows: each job counted once, in the worker whose report brought its first start. */
  readonly perWorker: readonly number[];
  /** Starts of a job that had started before, in the same worker or another (counted once, in no figure); absent in results before it was counted. */
  readonly repeatedStarts?: number;
  /** Starts of a job with no number of the fill (a subject that did not hand `seq` back), each counted as a first start; absent in older results. */
  readonly startsWithoutSeq?: number;
  readonly consumer?: ConsumerShape;
  /**
   * The server's CPU time over the drain, per job done, µs; and ÷ that wall time: the cores it kept busy. The window runs
   * from just before the workers are told to start to when the bench has heard of the last first start (workers report
   * every 100 ms) or the bound passed: a little longer than `elapsedMs`. All of the server's work in it, every client's.
   * Absent where it is not counted (`server-cpu/server-cpu.ts`: Redis by INFO, a PostgreSQL server or the SQS emulator
   * on this machine from /proc; a reading that failed) and in results before it was.
   */
  readonly serverCpuUsPerJob?: number;
  readonly serverCores?: number;
  /** The worker processes' own CPU time (all of them, each from its "start" to its "stop"), per job done, µs; and ÷ the server's window: the cores they kept busy. */
  readonly workersCpuUsPerJob?: number;
  readonly workersCores?: number;
  readonly error?: string;
}

export interface SubjectResult {
  readonly spec: SubjectSpec;
  readonly status: "ok" | "failed";
  readonly error?: string;
  readonly scenarios: readonly ScenarioName[];
  /** Wall time each scenario took in the child (enqueue: the single runs; drain: bulk enqueue + drain). */
  readonly scenarioMs?: Partial<Record<ScenarioName, number>>;
  readonly enqueueSingle?: RateResult;
  readonly enqueueBulk?: RateResult;
  readonly drain?: readonly DrainPoint[];
  readonly latency?: LatencyRun;
  readonly rateSearch?: RateSearch;
  readonly payload?: readonly PayloadPoint[];
  readonly delayed?: DelayedResult;
  readonly memory?: MemoryResult;
  readonly scaleOut?: readonly ScaleOutPoint[];
  readonly notes: readonly string[];
  readonly durationMs: number;
}

export interface Skip {
  /** A backend ("pubsub") or a subject id ("postgres/pg-boss"). */
  readonly what: string;
  readonly reason: string;
}

export interface RunResult {
  readonly formatVersion: 1;
  readonly startedAt: string;
  readonly durationMs: number;
  readonly command: string;
  /** HOPPER_BENCH_RECORDS of the run: whether the Hopper subjects kept job records. */
  readonly hopperRecords?: "on" | "off";
  /** HOPPER_BENCH_REDIS_LEASES of the run: how the Hopper subject leased on Redis (`compactLeases`). */
  readonly hopperRedisLeases?: "message" | "compact";
  /** HOPPER_BENCH_RATE_LIMITS: "others" when rate limits were declared for other jobs and queues (flow control live, the bench's job unlimited). */
  readonly hopperRateLimits?: "off" | "others";
  readonly machine: { readonly cpus: number; readonly cpuModel: string; readonly totalMemoryBytes: number; readonly platform: string; readonly node: string };
  readonly versions: Readonly<Record<string, string>>;
  readonly plan: BenchPlan;
  readonly servers: readonly { readonly backend: string; readonly how: string }[];
  readonly subjects: readonly SubjectResult[];
  readonly skipped: readonly Skip[];
}
