import type { RunAbort } from "./job-run.js";

/**
 * The performs running in one process, by job id, so something other than the
 * run itself (a cancellation) can abort a run's `context.signal` with a reason.
 * Internal; a job id may run more than once at a time here (two workers, a retried copy).
 * Aborting only signals: the attempt's outcome is still whatever perform then does.
 * A job id running once (the usual case) costs one map entry, no set and no closure.
 */
export class RunningJobs {
  private readonly runs = new Map<string, RunAbort | Set<RunAbort>>();

  /** Tracks one run until `untrack` with the same run. */
  track(jobId: string, run: RunAbort): void {
    const held = this.runs.get(jobId);
    if (held === undefined) this.runs.set(jobId, run);
    else if (held instanceof Set) held.add(run);
    else this.runs.set(jobId, new Set([held, run]));
  }

  untrack(jobId: string, run: RunAbort): void {
    const held = this.runs.get(jobId);
    if (held === run) this.runs.delete(jobId);
    else if (held instanceof Set) {
      held.delete(run);
      if (held.size === 0) this.runs.delete(jobId);
    }
  }

  /** Aborts every run of `jobId` with `reason`; returns how many there were. */
  abort(jobId: string, reason: unknown): number {
    const held = this.runs.get(jobId);
    const runs = held === undefined ? [] : held instanceof Set ? [...held] : [held];
    for (const run of runs) run.abort(reason);
    return runs.length;
  }

  isRunning(jobId: string): boolean {
    return this.runs.has(jobId);
  }
}
