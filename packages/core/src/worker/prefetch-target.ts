import type { BackendCapabilities } from "../backend/backend.js";

/** Work a full buffer should hold: about this long at the recent pace of jobs (far above a receive's round trip). */
const bufferWindowMs = 250;
/** Weight of the newest job in the moving average of run times. */
const smoothing = 0.2;
/** Fetch-ahead for a backend that declares no `defaultPrefetch`. */
export const corePrefetchDefault = 200;

/**
 * The most messages a worker holds beyond its running jobs: the `prefetch` option, else the backend's
 * `defaultPrefetch`, else the core's. None where the backend cannot extend a lease: a buffered message must keep
 * its lease while it waits.
 */
export function prefetchLimit(capabilities: BackendCapabilities, option: number | undefined): number {
  if (capabilities.leaseExtension === false) return 0;
  return option ?? capabilities.defaultPrefetch ?? corePrefetchDefault;
}

/**
 * How many messages a worker holds beyond its running jobs: enough to keep
 * every slot busy for about a quarter second at the recent pace, never more than the
 * `prefetch` limit. Fast jobs get the whole limit (a receive per half buffer
 * instead of per job); slow ones little or none, so a later higher-priority
 * job, or an idle worker, is not kept waiting behind work this worker cannot
 * start soon. Before the first job has run, the limit but no more than the
 * core's default: a backend's larger default is reached only once the jobs are
 * known to be fast (a fresh worker on a backlog of slow jobs would otherwise
 * hold a whole large buffer of them).
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
    if (this.averageRunMs === undefined) return Math.min(this.limit, corePrefetchDefault);
    if (this.averageRunMs <= 0) return this.limit;
    return Math.min(this.limit, Math.floor((this.concurrency * bufferWindowMs) / this.averageRunMs));
  }
}
