import type { StandardSchemaV1 } from "@standard-schema/spec";
import type { Logger } from "./logger.js";
import type { RetryOptions } from "./retry-policy.js";
import type { Duration } from "./duration.js";
import { jobBinding } from "./job-binding.js";
import type { JobNeed } from "./job-needs.js";
import type { ConcurrencyOptions, UniqueOptions } from "./coordination/job-coordination-options.js";
import type { RateLimitOptions } from "./flow-control/rate-limit-options.js";
import type { RunningBatch } from "./batches/batches.js";
import type { ChildResult } from "./batches/flows.js";

/** What `perform` gets besides its args. Every member is an own enumerable property: `{ ...context }`, destructuring and `Object.keys` keep them all. */
export interface JobContext {
  readonly jobId: string;
  readonly jobName: string;
  readonly queue: string;
  /** 1 on the first run; crashes and lease expiries count too. */
  readonly attempt: number;
  readonly enqueuedAt: Date;
  /**
   * Aborted, with the reason as `signal.reason`, when the job runs past its timeout (`JobTimeoutError`),
   * when its lease is lost (`LeaseLostError`) or when a graceful shutdown runs out of time (`ShutdownError`).
   * Pass it on (`fetch(url, { signal })`) or check it: nothing can stop a job that ignores it.
   */
  readonly signal: AbortSignal;
  readonly logger: Logger;
  /**
   * Stores how far the job got in its record (`hopper.jobs.get(id).progress`): a
   * finite number or a small plain JSON object (at most 4 KiB). Anything else
   * rejects with JobRecordValueError; with records off, with ConfigurationError.
   */
  progress(value: number | Readonly<Record<string, unknown>>): Promise<void>;
  /**
   * The batch this job belongs to (`hopper.batch()`), present only for a batch's jobs: `ctx.batch?.add(Job, args)` adds to it,
   * `ctx.batch?.child(options)` makes a child batch that this batch waits for.
   */
  readonly batch?: RunningBatch;
  /**
   * A flow's parent (`hopper.flow()`) only: its children's results, in the order they were given, read from their
   * job records. Rejects with JobNotFoundError when a child's record expired (`records.keep.succeeded`).
   */
  readonly childResults?: () => Promise<ChildResult[]>;
}

export interface EnqueueOptions {
  /** Run no sooner than this long from now. */
  readonly wait?: Duration;
  /** Run no sooner than this moment. */
  readonly waitUntil?: Date;
  /** Higher runs first, from -1000 to 1000; needs a backend with priorities. */
  readonly priority?: number;
  readonly queue?: string;
  /** Jobs sharing a key run one at a time in enqueue order; needs a backend with ordering. */
  readonly orderingKey?: string;
  /** While a job with this key is queued, enqueuing another returns the first one's id. */
  readonly dedupeKey?: string;
  /**
   * A database client with a transaction open (a `pg` client, a PGlite transaction):
   * the job appears at commit and vanishes on rollback. Needs a backend that declares
   * `transactionalEnqueue` (PostgreSQL); others refuse it.
   */
  readonly transaction?: unknown;
  /** This job's timeout, in place of the class's `static timeout`. */
  readonly timeout?: Duration;
}

/** Upgrades a payload from version `N` (the key) to `N + 1`. */
export type PayloadUpgrade = (previous: any) => unknown;

/**
 * Base class of every job. Subclasses set static configuration and implement
 * `perform`. Static `performLater` and friends go through the Hopper the class
 * was registered with (`createHopper({ jobs: [...] })`).
 */
export abstract class Job<Args = unknown, Result = unknown> {
  /** Name on the wire; defaults to the class name. Set it when a minifier renames classes. */
  static jobName?: string;
  static queue = "default";
  static priority = 0;
  /** Payload schema version; raise it with an entry in `upgrades` when Args change shape. */
  static version = 1;
  static upgrades: Readonly<Record<number, PayloadUpgrade>> = {};
  static retry?: RetryOptions;
  /** Any Standard Schema validator (zod, valibot, arktype); checked at enqueue and before perform. */
  static schema?: StandardSchemaV1;
  /** Args typical of the current version: `hopper check --record` stores them as this version's payload sample. */
  static exampleArgs?: unknown;
  /** At most `limit` performs at once per key, across all workers (needs a shared coordination store). */
  static concurrency?: ConcurrencyOptions;
  /** Enqueuing a job whose key is already queued returns the queued job's id instead. */
  static unique?: UniqueOptions;
  /**
   * At most `limit` starts per `per` (per key, with `key`), across every worker and push handler
   * sharing the coordination store, e.g. `{ limit: 100, per: "1s" }`. A job over it waits
   * without spending an attempt (docs/guarantees.md).
   */
  static rateLimit?: RateLimitOptions;
  /**
   * What this job's enqueues need beyond its static options (a `priority` other than 0,
   * `unique` and `concurrency` already count): e.g. `["ordering", "transactionalEnqueue"]`.
   * A Hopper whose backend lacks one refuses to open, naming the job.
   */
  static requires?: readonly JobNeed[];
  /**
   * How long one attempt may run, e.g. "5m". Past it `context.signal` aborts and the attempt
   * fails with `JobTimeoutError` once perform returns; the retry policy decides what follows.
   * A job that ignores its signal keeps running, its lease and its worker slot (docs/guarantees.md).
   */
  static timeout?: Duration;

  abstract perform(args: Args, context: JobContext): Promise<Result> | Result;

  static performLater<J extends Job<any, any>>(this: JobClass<J>, args: JobArgs<J>, options?: EnqueueOptions): Promise<string> {
    return jobBinding(this).enqueue(this, [args], options ?? {}).then((ids) => ids[0]!);
  }

  static performAllLater<J extends Job<any, any>>(this: JobClass<J>, argsList: readonly JobArgs<J>[], options?: EnqueueOptions): Promise<string[]> {
    return jobBinding(this).enqueue(this, argsList, options ?? {});
  }

  static performNow<J extends Job<any, any>>(this: JobClass<J>, args: JobArgs<J>): Promise<{ jobId: string; result: JobResult<J> }> {
    return jobBinding(this).performNow(this, args) as Promise<{ jobId: string; result: JobResult<J> }>;
  }

  /** `Job.set({ wait: "5m", priority: 1 }).performLater(args)` */
  static set<J extends Job<any, any>>(this: JobClass<J>, options: EnqueueOptions): ConfiguredJob<J> {
    return {
      performLater: (args) => jobBinding(this).enqueue(this, [args], options).then((ids) => ids[0]!),
      performAllLater: (argsList) => jobBinding(this).enqueue(this, argsList, options),
    };
  }
}

export interface ConfiguredJob<J extends Job<any, any>> {
  performLater(args: JobArgs<J>): Promise<string>;
  performAllLater(argsList: readonly JobArgs<J>[]): Promise<string[]>;
}

export type JobArgs<J> = J extends Job<infer Args, any> ? Args : never;
export type JobResult<J> = J extends Job<any, infer Result> ? Result : never;

/** A concrete job class: its constructor and the static configuration. */
export type JobClass<J extends Job<any, any> = Job<any, any>> = (new () => J) & Omit<typeof Job, "prototype">;
