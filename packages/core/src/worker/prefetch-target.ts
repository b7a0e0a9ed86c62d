import type { BackendCapabilities, ReceivedMessage } from "../backend/backend.js";

/** Work a full buffer should hold: about this long at the recent pace of jobs (far above a receive's round trip). */
const bufferWindowMs = 250;
/** Weight of the newest job in the moving average of run times. */
const smoothing = 0.2;
/**
 * One run counts as at most this many times the average (plus a millisecond, so an average near 0 can still rise):
 * a process paused mid-job (a GC pause, a shared CPU handed elsewhere) reads as one long run, which alone would cut
 * the target and give back a buffer that has to be received again. A real slow-down still raises the average by
 * 1.6 times a job, past 100 times within ten jobs; a hang is seen apart (noteRunning).
 */
const outlierFactor = 4;
/** Fetch-ahead for a backend that declares no `defaultPrefetch`. */
export const corePrefetchDefault = 200;
/**
 * Default `worker({ prefetchBytes })`: the most body text a worker holds buffered, in characters (a byte each in
 * memory for ASCII and Latin-1 text, two otherwise). Large payloads get a smaller buffer.
 */
export const defaultPrefetchBytes = 64 * 1024 * 1024;

/**
 * The most messages a worker holds beyond its running jobs: the `prefetch` option, else the backend's
 * `defaultPrefetch`, else the core's. None where the backend cannot extend a lease: a buffered message must keep
 * its lease while it waits.
 */
export function prefetchLimit(capabilities: BackendCapabilities, option: number | undefined): number {
  if (capabilities.leaseExtension === false) return 0;
  if (option !== undefined) return option;
  const declared = capabilities.defaultPrefetch;
  // A backend's own figure, kept to the range the option allows (a bad one would stop the worker receiving, silently).
  return declared !== undefined && Number.isSafeInteger(declared) && declared >= 0 ? Math.min(declared, 10_000) : corePrefetchDefault;
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
 * hold a whole large buffer of them). Large bodies shrink it too: half of
 * `prefetchBytes` at the recent body size, which follows a larger receive at
 * once and a smaller one gradually; the other half is the margin a receive sized
 * before its bodies were seen may fill before the buffer gives the rest back
 * (PrefetchBuffer, `bodyCharsOverBound`).
 */
export class PrefetchTarget {
  private averageRunMs: number | undefined;
  private averageBodyChars: number | undefined;
  /** When the last job ended (performance.now()). */
  private lastRunAt = 0;
  /** Set while no job has ended for a while: how long the oldest running job had run then (a pace the average misses). */
  private stalledMs = 0;

  constructor(
    private readonly limit: number,
    private readonly concurrency: number,
    private readonly prefetchBytes = defaultPrefetchBytes,
  ) {}

  /** A job's perform took `runMs`, ending at `endedAt` (performance.now()). */
  recordRun(runMs: number, endedAt: number): void {
    const average = this.averageRunMs;
    this.averageRunMs = average === undefined ? runMs : average + (Math.min(runMs, outlierFactor * average + 1) - average) * smoothing;
    this.lastRunAt = endedAt;
    this.stalledMs = 0;
  }

  /**
   * Looked at now and then (a buffer's lease renewal): when no job has ended for `windowMs` while the oldest running
   * one has run `runningMs`, the jobs turned slow or hang, and that time counts as their pace (for receiving and for
   * giving back alike) until a job ends; for a fresh worker whose first jobs hang too, before any run time is known.
   * One slow job among fast ones that keep ending changes nothing.
   */
  noteRunning(runningMs: number, now: number, windowMs: number): void {
    if (now - this.lastRunAt >= windowMs && runningMs >= windowMs) this.stalledMs = runningMs;
  }

  /**
   * Messages were buffered: the size of their bodies bounds how many a full buffer holds. A receive of larger
   * bodies than the average sets it at once (the next receive must not be sized for the small ones).
   */
  recordBodies(messages: readonly ReceivedMessage[]): void {
    if (messages.length === 0) return;
    let chars = 0;
    for (const message of messages) chars += message.body.length;
    const mean = chars / messages.length;
    const average = this.averageBodyChars;
    this.averageBodyChars = average === undefined || mean > average ? mean : average + (mean - average) * smoothing;
  }

  get value(): number {
    if (this.averageRunMs !== undefined) return this.valueAt(Math.max(this.averageRunMs, this.stalledMs));
    // A stall only ever shrinks a fresh worker's target below the core's default it starts with.
    const fresh = this.valueAt(undefined);
    return this.stalledMs > 0 ? Math.min(fresh, this.valueAt(this.stalledMs)) : fresh;
  }

  private valueAt(runMs: number | undefined): number {
    const byBytes = this.averageBodyChars === undefined || this.averageBodyChars <= 0 ? this.limit : Math.floor(this.prefetchBytes / 2 / this.averageBodyChars);
    const limit = Math.min(this.limit, byBytes);
    if (runMs === undefined) return Math.min(limit, corePrefetchDefault);
    if (runMs <= 0) return limit;
    return Math.min(limit, Math.floor((this.concurrency * bufferWindowMs) / runMs));
  }
}
