import type { LatencyRun, RateSearch } from "../report/result-types.js";
import { repeatedStartsPhrase, unnumberedStartsPhrase, type StartCounts } from "./first-starts.js";

/**
 * The bound on one step of the latency scenario (the fixed-rate run, each rate-search step, the run at half), kept
 * whatever the subject does: a step once ran on for minutes while its consumer's stop waited on one claim statement
 * (benchmarks/results/latency-2026-12-04e/README.md). Milliseconds from the step's first offer; after the planned
 * offering, each phase gets the profile's grace period, so a step ends within duration + 3 × grace.
 */
export interface RateStepBounds {
  /** Offering ends: the planned duration. */
  readonly offerMs: number;
  /** The measured window closes: only jobs started by then are in the step's figures. */
  readonly windowMs: number;
  /** The clean-up ends: the consumer keeps starting this step's jobs (not measured) so the next step finds none; what is left then is reported. */
  readonly cleanupMs: number;
  /** The consumer has stopped by then, or the step ends without it and the rate search stops there. */
  readonly stopMs: number;
}

export function rateStepBounds(durationMs: number, graceMs: number): RateStepBounds {
  return { offerMs: durationMs, windowMs: durationMs + graceMs, cleanupMs: durationMs + 2 * graceMs, stopMs: durationMs + 3 * graceMs };
}

/** What one step counted by the time it ended; its repeated starts and starts without a job number are in no count but their own. */
export interface RateStepCounts extends StartCounts {
  readonly offered: number;
  /** Jobs started within the measured window, each counted at its first start: the step's latency figures. */
  readonly startedInWindow: number;
  /** Jobs started during the clean-up, after the window: in no figure. */
  readonly startedLate: number;
  readonly enqueueFailures: number;
  /** Enqueue calls not yet answered when the window closed, and when the step ended (the next step runs beside those). */
  readonly enqueuesPendingAtWindow: number;
  readonly enqueuesPendingAtEnd: number;
  readonly consumerStopped: boolean;
}

/** Jobs the step offered that neither started nor failed to enqueue: left on the server (or still on their way) when it ended. */
export function jobsLeftBehind(counts: RateStepCounts): number {
  return Math.max(0, counts.offered - counts.enqueueFailures - counts.startedInWindow - counts.startedLate);
}

/** Sustained: every offered job started within the window, p99 within the bound, and the consumer stopped in time. */
export function isSustained(counts: RateStepCounts, p99Ms: number, p99BoundMs: number): boolean {
  return counts.startedInWindow >= counts.offered && p99Ms <= p99BoundMs && counts.consumerStopped;
}

/** A step whose consumer did not stop may still be running jobs or statements: no later step of the subject would be measured alone. */
export function searchMayContinue(run: LatencyRun): boolean {
  return run.end?.consumerStopped !== false;
}

/** Whether a run of the latency scenario left a consumer running: the subject's later scenarios would share the server with it. */
export function leftConsumerRunning(fixed: LatencyRun, search: RateSearch): boolean {
  return [fixed, ...search.steps, ...(search.atHalf ? [search.atHalf] : [])].some((run) => !searchMayContinue(run));
}

const seconds = (ms: number) => `${Number((ms / 1000).toFixed(1))} s`;

/** The note a step that did not end cleanly leaves in the report ("n of m started"), or undefined when every job started in time. */
export function rateStepNote(label: string, counts: RateStepCounts, bounds: RateStepBounds): string | undefined {
  const left = jobsLeftBehind(counts);
  if (counts.startedInWindow >= counts.offered && counts.consumerStopped && left === 0 && counts.repeatedStarts === 0 && counts.startsWithoutSeq === 0) return undefined;
  const grace = bounds.windowMs - bounds.offerMs;
  const parts = [`${label}: ${counts.startedInWindow} of ${counts.offered} started within ${seconds(bounds.windowMs)} (${seconds(bounds.offerMs)} offering + ${seconds(grace)} drain allowance)`];
  if (counts.enqueueFailures > 0) parts.push(`${counts.enqueueFailures} enqueue calls failed`);
  if (counts.enqueuesPendingAtWindow > 0) parts.push(`${counts.enqueuesPendingAtWindow} enqueue calls were still unanswered then`);
  if (counts.startedLate > 0) parts.push(`${counts.startedLate} more started in the ${seconds(bounds.cleanupMs - bounds.windowMs)} clean-up (in no figure)`);
  const stillSent = counts.enqueuesPendingAtEnd > 0 ? ` (${counts.enqueuesPendingAtEnd} of them in enqueue calls still unanswered)` : "";
  parts.push(left > 0 ? `${left} were left when the step ended${stillSent}, beside the next steps` : "none was left for the next step");
  if (counts.repeatedStarts > 0) parts.push(repeatedStartsPhrase(counts.repeatedStarts));
  if (counts.startsWithoutSeq > 0) parts.push(unnumberedStartsPhrase(counts.startsWithoutSeq));
  if (!counts.consumerStopped) parts.push(`its consumer had not stopped ${seconds(bounds.stopMs - bounds.cleanupMs)} later, so the rate search ends here`);
  return parts.join("; ");
}
