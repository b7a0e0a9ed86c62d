/** Work a full buffer should hold: about this long at the recent pace of jobs (far above a receive's round trip). */
const bufferWindowMs = 250;
/** Weight of the newest job in the moving average of run times. */
const smoothing = 0.2;

/**
 * How many messages a worker holds beyond its running jobs: enough to keep
 * every slot busy for about a quarter second at the recent pace, never more than the
 * `prefetch` limit. Fast jobs get the whole limit (a receive per half buffer
 * instead of per job); slow ones little or none, so a later higher-priority
 * job, or an idle worker, is not kept waiting behind work this worker cannot
 * start soon. Before the first job has run, the limit.
 */
export class PrefetchTarget {
  private averageRunMs: number | undefined;

  constructor(
    private readonly limit: number,
    private readonly concurrency: number,
  ) {}

  /** A job's perform took `runMs`. */
  recordRun(runMs: number): void {
    this.averageRunMs = this.averageRunMs === undefined ? runMs : this.averageRunMs + (runMs - this.averageRunMs) * smoothing;
  }

  get value(): number {
    if (this.averageRunMs === undefined || this.averageRunMs <= 0) return this.limit;
    return Math.min(this.limit, Math.floor((this.concurrency * bufferWindowMs) / this.averageRunMs));
  }
}
