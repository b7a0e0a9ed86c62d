import type { EnqueueOptions } from "@hopper/core";
import type { JobKind, ReliabilityArgs } from "./reliability-job.js";

export type JobClassName = "ReliabilityJob" | "UniqueReliabilityJob" | "LimitedReliabilityJob";

/** One job the producer enqueues; `twice` ones are enqueued a second time with the same key at once. */
export interface PlannedJob {
  readonly jobClass: JobClassName;
  readonly args: ReliabilityArgs;
  readonly options?: EnqueueOptions;
  /** Enqueued twice in a row: the second call must return the first one's id while it is queued. */
  readonly twice?: boolean;
}

export interface JobMixOptions {
  readonly leaseMs: number;
  /** The backend declares `ordering`: a share carries ordering keys. */
  readonly ordering: boolean;
  /** The backend declares `deduplication`: a share carries dedupe keys. */
  readonly deduplication: boolean;
  /**
   * Starts every unique, limit and dedupe key: one run's keys must not meet another's
   * in a coordination store the runs share (a key left held by a SIGKILLed run would
   * answer a later run's enqueue with a job of the earlier run's queue).
   */
  readonly keyPrefix: string;
}

/**
 * The realistic mix, by job number (per 100): 10 fail once or twice and retry,
 * 2 throw UnrecoverableError (their dead letters are awaited), 8 are delayed past
 * a lease, 8 are unique jobs enqueued twice, 8 run under a per-key concurrency
 * limit of 1 (16 keys), 1 runs longer than three leases (lease extension must
 * hold it), 10 carry ordering keys and 5 dedupe keys where the backend has them,
 * the rest are plain.
 */
export function planJob(n: number, options: JobMixOptions): PlannedJob {
  const share = n % 100;
  const kind = (value: JobKind, extra: Partial<ReliabilityArgs> = {}): ReliabilityArgs => ({ n, kind: value, ...extra });
  if (share < 10) return { jobClass: "ReliabilityJob", args: kind("flaky", { failures: 1 + (n % 2) }) };
  if (share < 12) return { jobClass: "ReliabilityJob", args: kind("doomed") };
  if (share < 20) {
    const waitMs = options.leaseMs + 1000;
    return { jobClass: "ReliabilityJob", args: kind("delayed", { notBefore: Date.now() + waitMs }), options: { wait: waitMs } };
  }
  if (share < 28) return { jobClass: "UniqueReliabilityJob", args: kind("unique", { key: `${options.keyPrefix}u-${n}` }), twice: true };
  if (share < 36) return { jobClass: "LimitedReliabilityJob", args: kind("limited", { key: `${options.keyPrefix}l-${n % 16}`, runMs: 20 }) };
  if (share < 37) return { jobClass: "ReliabilityJob", args: kind("long", { runMs: Math.round(options.leaseMs * 3.2) }) };
  if (share < 47 && options.ordering) return { jobClass: "ReliabilityJob", args: kind("plain"), options: { orderingKey: `o-${n % 4}` } };
  if (share < 52 && options.deduplication) return { jobClass: "ReliabilityJob", args: kind("plain"), options: { dedupeKey: `${options.keyPrefix}d-${n}` }, twice: true };
  return { jobClass: "ReliabilityJob", args: kind("plain") };
}

/** Dead letters are owed for these; every other kind must complete. */
export const deadLetterKinds: readonly string[] = ["doomed"];
/**
 * The key whose runs must never overlap, from a ledger line's kind and number, and what
 * counts once under it: the concurrency limit's key bounds performs, a redelivered copy's
 * included (each run counts); a unique key bounds jobs, one queued or running at most (copies
 * of one job count once: uniqueness is about enqueuing, their overlap is a job's own runs).
 */
export function exclusiveKey(kind: string, n: number): { readonly key: string; readonly counts: "runs" | "jobs" } | undefined {
  if (kind === "limited") return { key: `l-${n % 16}`, counts: "runs" };
  if (kind === "unique") return { key: `u-${n}`, counts: "jobs" };
  return undefined;
}
