import type { HoldReason } from "../records/record-store.js";

/**
 * Asked before each run, in workers and push handlers alike: whether a job must wait
 * (a paused queue, say) and until when. Undefined runs it now. A held job goes back
 * as a delayed copy and its delivery is acknowledged, so the wait spends neither an
 * attempt nor a platform's delivery budget.
 */
export type JobHold = (queue: string, job: { readonly name: string; readonly id: string }) => Promise<HoldDecision | undefined>;

export interface HoldDecision {
  /** When to offer the job again (epoch ms, this process's clock). */
  readonly untilMs: number;
  /** Shown in logs, e.g. "queue paused". */
  readonly reason: string;
  /** What the job's record says holds it. */
  readonly heldBy: HoldReason;
}
