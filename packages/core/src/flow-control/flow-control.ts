import type { CoordinationStore } from "../coordination/coordination-store.js";
import type { JobDefinition } from "../job-registry.js";
import type { HoldDecision, JobHold } from "./job-hold.js";
import { rateLimitStoreKey, type ResolvedRateLimit } from "./rate-limit-options.js";

export interface FlowControlOptions {
  readonly coordination: CoordinationStore;
  /** `createHopper({ rateLimits: { queues } })`: a limit, or null for none, in place of the jobs' own. */
  readonly queueLimits: ReadonlyMap<string, ResolvedRateLimit | null>;
  /** A hold asked before every run (queue pause fills it); absent costs nothing. */
  readonly shouldHold?: JobHold;
}

/**
 * What a run may do: go ahead once `waitMs` has passed (its rate slot taken), wait until `untilMs` as a delayed copy,
 * or never (its limit's key cannot be computed from its args).
 */
export type Admission =
  | { readonly hold: false; readonly waitMs: number; readonly invalidKey?: undefined }
  | ({ readonly hold: true; readonly invalidKey?: undefined } & HoldDecision)
  | { readonly hold: false; readonly waitMs?: undefined; readonly invalidKey: unknown };

const runNow: Admission = { hold: false, waitMs: 0 };

/**
 * Rate limits and holds for one Hopper. A job with neither costs a map lookup and
 * no round trip; a limited one costs one `takeRateSlot` per run.
 */
export class FlowControl {
  constructor(private readonly options: FlowControlOptions) {}

  /** The limit runs of `definition` from `queue` obey: the queue's override, else the job's own. */
  limitFor(queue: string, definition: JobDefinition): ResolvedRateLimit | undefined {
    const override = this.options.queueLimits.get(queue);
    return override === undefined ? definition.rateLimit : (override ?? undefined);
  }

  /** Whether `admit` has anything to do for this job; false keeps the run free of it. */
  applies(queue: string, definition: JobDefinition): boolean {
    return this.options.shouldHold !== undefined || this.limitFor(queue, definition) !== undefined;
  }

  /** At enqueue: runs the key function on each job's args, so a bad key is refused to the caller rather than met by a worker. */
  checkEnqueue(queue: string, definition: JobDefinition, argsList: readonly unknown[]): void {
    const limit = this.limitFor(queue, definition);
    if (limit?.key) for (const args of argsList) rateLimitStoreKey(limit, args);
  }

  /**
   * Asks the hold, then the job's bucket. A slot that starts within `maxWaitMs` is
   * taken, and the caller waits `waitMs` for it; a later one is not taken, and the job
   * is held until about when it could be, spread over `maxWaitMs` so held jobs do not
   * all return at once. Throws the store's error (unreachable, or not configured for sharing).
   */
  async admit(queue: string, definition: JobDefinition, jobId: string, args: unknown, maxWaitMs: number): Promise<Admission> {
    const held = await this.options.shouldHold?.(queue, { name: definition.name, id: jobId });
    if (held) return { hold: true, untilMs: held.untilMs, reason: held.reason, heldBy: held.heldBy };
    const limit = this.limitFor(queue, definition);
    if (!limit) return runNow;
    let key: string;
    try {
      key = rateLimitStoreKey(limit, args);
    } catch (error) {
      return { hold: false, invalidKey: error };
    }
    const slot = await this.options.coordination.takeRateSlot(key, { intervalMs: limit.intervalMs, burst: limit.burst, maxWaitMs });
    if (slot.admitted) return slot.waitMs >= 1 ? { hold: false, waitMs: slot.waitMs } : runNow;
    const returnInMs = Math.max(limit.intervalMs, slot.waitMs - maxWaitMs * Math.random());
    return { hold: true, untilMs: Date.now() + Math.ceil(returnInMs), reason: "rate limit", heldBy: "rate-limit" };
  }
}
