import type { JobHold } from "./job-hold.js";
import type { PauseWatch } from "./pause-watch.js";

/**
 * The hold push handlers ask before each run: a job of a paused queue goes back
 * as a delayed copy (sent, then the delivery acknowledged), due `holdMs` later,
 * spread by up to a quarter more so a paused backlog does not return at once.
 * The flags are read at most once per `checkMs` per process, so the hold costs
 * one store read per `checkMs`, not one per job.
 */
export function pausedQueueHold(watch: PauseWatch, checkMs: number, holdMs: number): JobHold {
  return async (queue) => {
    await watch.refresh(checkMs);
    if (!watch.isPaused(queue)) return undefined;
    return { untilMs: Date.now() + holdMs + Math.floor((holdMs / 4) * Math.random()), reason: "queue paused", heldBy: "queue-paused" };
  };
}
