import { appendFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { Job, LeaseLostError, UnrecoverableError, type JobClass, type JobContext } from "@hopper/core";

/** What a job does; the producer picks it (job-mix.ts), the job only obeys. */
export type JobKind = "plain" | "flaky" | "doomed" | "delayed" | "unique" | "limited" | "long";

export interface ReliabilityArgs {
  readonly n: number;
  readonly kind?: JobKind;
  /** flaky: attempts that throw before one succeeds. */
  readonly failures?: number;
  /** long and limited: how long perform takes. */
  readonly runMs?: number;
  /** unique and limited: the job's key. */
  readonly key?: string;
  /** delayed: the earliest moment (epoch ms) the job may start; a start before it is written as `early`. */
  readonly notBefore?: number;
}

/** Retries of the flaky share: short waits, so a run does not wait on backoff. */
const retry = { attempts: 5, wait: "300ms", jitter: 0.2 } as const;

/**
 * The jobs every reliability scenario runs. Each run writes to a ledger file
 * outside the backend, one short `appendFileSync` per line (a SIGKILL lands
 * between writes; what was written is in the kernel's hands):
 *   `s <jobId> <n> <kind> <attempt> <ms>`  started
 *   `e <jobId> <n> <kind> <attempt> <ms>`  perform returned (the job's work is done)
 *   `f …`  perform threw (a retry or a dead letter follows)
 *   `x …`  perform stopped because its signal aborted (a renewal said the lease was lost, shutdown timeout)
 *   `o …`  perform stopped because its process stalled past the whole lease (the signal's LeaseLostError is
 *          `overdue`): found on waking, at the check before `e`, so the run did nothing after the stall
 *   `early …`  a delayed job started before the moment it was enqueued for
 * A backend that lost a job cannot hide it, and a job run twice, or twice at once, shows.
 */
export function reliabilityJobClasses(queue: string, ledgerFile: string | undefined) {
  const write = (event: string, args: ReliabilityArgs, context: JobContext) => {
    if (ledgerFile) appendFileSync(ledgerFile, `${event} ${context.jobId} ${args.n} ${args.kind ?? "plain"} ${context.attempt} ${Date.now()}\n`);
  };
  const overdue = (reason: unknown) => LeaseLostError.isInstance(reason) && reason.overdue;
  const perform = async (args: ReliabilityArgs, context: JobContext) => {
    write("s", args, context);
    if (args.notBefore !== undefined && Date.now() < args.notBefore) write("early", args, context);
    try {
      if (args.runMs) await sleep(args.runMs, undefined, { signal: context.signal });
      // Yield at least once so jobs overlap, as real I/O-bound jobs do.
      else await new Promise((resolve) => setImmediate(resolve));
      // Before anything that settles the run (completion, a retry's or a dead letter's throw): a process that
      // stalled past its lease wakes here, and another worker may already run the job.
      context.signal.throwIfAborted();
      if (args.kind === "doomed") throw new UnrecoverableError("doomed: this job's share goes to the dead letters");
      if (args.kind === "flaky" && context.attempt <= (args.failures ?? 1)) throw new Error(`flaky: attempt ${context.attempt} fails`);
    } catch (error) {
      write(!context.signal.aborted ? "f" : overdue(context.signal.reason) ? "o" : "x", args, context);
      throw error;
    }
    write("e", args, context);
  };

  class ReliabilityJob extends Job<ReliabilityArgs> {
    static override jobName = "ReliabilityJob";
    static override queue = queue;
    static override retry = retry;
    perform(args: ReliabilityArgs, context: JobContext) {
      return perform(args, context);
    }
  }
  /** Enqueuing a key already queued or running returns the first job's id. */
  class UniqueReliabilityJob extends Job<ReliabilityArgs> {
    static override jobName = "UniqueReliabilityJob";
    static override queue = queue;
    static override retry = retry;
    static override unique = { key: (args: ReliabilityArgs) => args.key!, until: "finished" as const, ttl: "10m" };
    perform(args: ReliabilityArgs, context: JobContext) {
      return perform(args, context);
    }
  }
  /** One run at a time per key, across every worker process. */
  class LimitedReliabilityJob extends Job<ReliabilityArgs> {
    static override jobName = "LimitedReliabilityJob";
    static override queue = queue;
    static override retry = retry;
    // The slot outlives a SIGKILLed holder by its lease; 6 s keeps a stalled (not dead) holder's slot on a loaded machine.
    static override concurrency = { key: (args: ReliabilityArgs) => args.key!, limit: 1, lease: "6s", retryAfter: "300ms" };
    perform(args: ReliabilityArgs, context: JobContext) {
      return perform(args, context);
    }
  }
  return { ReliabilityJob, UniqueReliabilityJob, LimitedReliabilityJob } satisfies Record<string, JobClass>;
}

/** The plain job alone (the load scenario's). */
export function reliabilityJobClass(queue: string, ledgerFile: string | undefined) {
  return reliabilityJobClasses(queue, ledgerFile).ReliabilityJob;
}
