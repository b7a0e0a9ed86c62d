import type { BackendCapabilities, ReceivedMessage } from "../backend/backend.js";
import { RecentSlots } from "./recent-slots.js";

/** Work a full buffer should hold: about this long at the recent pace of jobs (far above a receive's round trip). */
const bufferWindowMs = 250;
/** Weight of the newest job in the moving average of run times. */
const smoothing = 0.2;
/** Jobs ended are counted in slots this long, ten to the buffer's window (PrefetchTarget.keepable). */
const endedSlotMs = bufferWindowMs / 10;
/** Run times are summed in slots this long, ten to a second: the mean of the last second (PrefetchTarget.value). */
const runSlotMs = 100;
/** The most of one run that second's mean counts: the window, what a run longer than it spent inside it. */
const runWindowMs = runSlotMs * 10;
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
  /** When noteRunning last looked (performance.now()), and whether it passed over the look before as late. */
  private lastLookedAt: number | undefined;
  private passedOverLateLook = false;
  /** Jobs ended in the last quarter second, and their run times over the last second. */
  private readonly ended = new RecentSlots(endedSlotMs);
  private readonly runs = new RecentSlots(runSlotMs);

  /**
   * `largestBodyChars` (the backend's `maxPayloadBytes`) is the body size assumed before any body is seen: a fresh
   * worker's first receive on a backlog of large bodies (a thousand of Redis's 16 MiB) must not bring gigabytes in
   * one reply, which no give-back afterwards could undo. Its bodies then set the size, small ones at once.
   */
  constructor(
    private readonly limit: number,
    private readonly concurrency: number,
    private readonly prefetchBytes = defaultPrefetchBytes,
    private readonly largestBodyChars?: number,
  ) {}

  /** A job's perform took `runMs`, ending at `endedAt` (performance.now()). */
  recordRun(runMs: number, endedAt: number): void {
    this.averageRunMs = this.averageRunMs === undefined ? runMs : this.averageRunMs + (runMs - this.averageRunMs) * smoothing;
    this.lastRunAt = endedAt;
    this.stalledMs = 0;
    this.ended.add(endedAt, 1);
    this.runs.add(endedAt, Math.min(runMs, runWindowMs));
  }

  /**
   * What the worker may hold before it gives any back, looked at `now` (a buffer's renewal): the target, or as many
   * jobs as ended in the last quarter second (the work a full buffer should hold), whichever is more. The moving
   * average reads one run stretched by a pause of the whole process (a GC, a busy CPU handing the core elsewhere) as
   * a fifth of that pause on every job, and the renewal that looks next is often the timer that fired late in the
   * same pause; the count of jobs ended loses only the pause's share of the quarter second. Jobs that turned slow
   * bring both down within a quarter second, whoever looks and whenever; a hang is seen apart (noteRunning).
   */
  keepable(now: number): number {
    const target = this.value;
    if (this.stalledMs > 0) return target;
    return Math.max(target, Math.min(this.boundByBytes(), this.ended.count(now)));
  }

  /**
   * Looked at now and then (a buffer's lease renewal): when no job has ended for `windowMs` while the oldest running
   * one has run `runningMs`, the jobs turned slow or hang, and that time counts as their pace (for receiving and for
   * giving back alike) until a job ends; for a fresh worker whose first jobs hang too, before any run time is known.
   * One slow job among fast ones that keep ending changes nothing.
   */
  noteRunning(runningMs: number, now: number, windowMs: number): void {
    const late = this.lastLookedAt !== undefined && now - this.lastLookedAt > 1.5 * windowMs;
    this.lastLookedAt = now;
    // A look that came late (its timer held back: the whole process was paused) cannot tell a stall of the jobs from
    // its own: the next look decides, late or not (every look late is a loop the jobs themselves hold up).
    if (late && !this.passedOverLateLook) {
      this.passedOverLateLook = true;
      return;
    }
    this.passedOverLateLook = false;
    if (now - this.lastRunAt >= windowMs && runningMs >= windowMs) this.stalledMs = runningMs;
  }

  /**
   * Messages were buffered: the size of their bodies bounds how many a full buffer holds. A receive of larger
   * bodies than the average sets it at once (the next receive must not be sized for the small ones). True when these
   * are the first bodies seen and, smaller than the largest payload assumed until then, they raise the bound.
   */
  recordBodies(messages: readonly ReceivedMessage[]): boolean {
    if (messages.length === 0) return false;
    const boundBefore = this.averageBodyChars === undefined ? this.boundByBytes() : undefined;
    let chars = 0;
    for (const message of messages) chars += message.body.length;
    const mean = chars / messages.length;
    const average = this.averageBodyChars;
    this.averageBodyChars = average === undefined || mean > average ? mean : average + (mean - average) * smoothing;
    return boundBefore !== undefined && this.boundByBytes() > boundBefore;
  }

  /**
   * The pace is the slower of the moving average (a few runs: jobs turning slow show at once) and the mean run of the
   * jobs that ended in the second before the last one did: the average, weighted per job, falls to nothing among a
   * run of instant jobs even where every fourth job takes a second, and a buffer sized by it would fill to the limit
   * with jobs of which a quarter take a second each. A run counts at most the second itself in its mean. The cost: a
   * pause of the whole process stretches every running job, and the mean reads them for up to a second after (a 1 s
   * pause at concurrency 10 among 2 ms jobs: a target of 2, back to the limit over that second), while the average
   * forgets them within some fifty runs. Receives are smaller meanwhile; nothing is given back for it (keepable).
   */
  get value(): number {
    if (this.averageRunMs !== undefined) return this.valueAt(Math.max(this.averageRunMs, this.runs.mean(this.lastRunAt) ?? 0, this.stalledMs));
    // A stall only ever shrinks a fresh worker's target below the core's default it starts with.
    const fresh = this.valueAt(undefined);
    return this.stalledMs > 0 ? Math.min(fresh, this.valueAt(this.stalledMs)) : fresh;
  }

  /** The limit, or fewer where the recent bodies are large (half of prefetchBytes at their size; before any, the largest). */
  private boundByBytes(): number {
    const bodyChars = this.averageBodyChars ?? this.largestBodyChars;
    const byBytes = bodyChars === undefined || bodyChars <= 0 ? this.limit : Math.floor(this.prefetchBytes / 2 / bodyChars);
    return Math.min(this.limit, byBytes);
  }

  private valueAt(runMs: number | undefined): number {
    const limit = this.boundByBytes();
    if (runMs === undefined) return Math.min(limit, corePrefetchDefault);
    if (runMs <= 0) return limit;
    return Math.min(limit, Math.floor((this.concurrency * bufferWindowMs) / runMs));
  }
}
