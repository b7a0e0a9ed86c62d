/**
 * The performs running in one process, by job id, so something other than the
 * run itself (a cancellation) can abort a run's `context.signal` with a reason.
 * Internal; a job id may run more than once at a time here (two workers, a retried copy).
 * Aborting only signals: the attempt's outcome is still whatever perform then does.
 */
export class RunningJobs {
  private readonly runs = new Map<string, Set<(reason: unknown) => void>>();

  /** Tracks one run until the returned function is called. */
  track(jobId: string, abort: (reason: unknown) => void): () => void {
    const aborts = this.runs.get(jobId) ?? new Set();
    aborts.add(abort);
    this.runs.set(jobId, aborts);
    return () => {
      aborts.delete(abort);
      if (aborts.size === 0 && this.runs.get(jobId) === aborts) this.runs.delete(jobId);
    };
  }

  /** Aborts every run of `jobId` with `reason`; returns how many there were. */
  abort(jobId: string, reason: unknown): number {
    const aborts = [...(this.runs.get(jobId) ?? [])];
    for (const abort of aborts) abort(reason);
    return aborts.length;
  }

  isRunning(jobId: string): boolean {
    return this.runs.has(jobId);
  }
}
