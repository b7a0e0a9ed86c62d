import { randomUUID } from "node:crypto";
import type { CoordinationStore } from "../coordination/coordination-store.js";
import type { Logger } from "../logger.js";
import type { RecurringJob } from "./recurring-job.js";

export interface TickClaimDependencies {
  readonly coordination: CoordinationStore;
  readonly logger: Logger;
  /** Enqueues the job of `job`'s tick; resolves with its id. */
  readonly enqueueTick: (job: RecurringJob, tickMs: number) => Promise<string>;
  /** How long a claim lasts before its job is enqueued; a claimer that dies frees the tick after this. */
  readonly claimLeaseMs: number;
}

/** A tick whose job is enqueued but whose claim is not yet confirmed: retry `settleTick` with it soon. */
export interface UnsettledTick {
  readonly job: RecurringJob;
  readonly tickMs: number;
  readonly holder: string;
}

export type TickOutcome = { readonly status: "enqueued"; readonly jobId: string; readonly unsettled?: UnsettledTick } | { readonly status: "taken" };

/** Coordination key of the newest tick enqueued for `job` (a mark). */
export function lastTickKey(job: RecurringJob): string {
  return `schedule:${job.name}:last`;
}

/** Envelope meta a tick's job carries. */
export function tickMeta(job: RecurringJob, tickMs: number): Record<string, string> {
  return { "hopper.schedule": job.name, "hopper.tick": new Date(tickMs).toISOString() };
}

function claimKey(job: RecurringJob, tickMs: number): string {
  return `schedule:${job.name}:${tickMs}`;
}

/**
 * Enqueues the job of one tick unless another process has enqueued it or is
 * doing so. The claim is held for a lease while enqueuing, then for long
 * enough that the tick is never tried again; a process that dies between
 * claiming and enqueuing frees the tick when the lease ends, and the next
 * scheduler takes it over (the backend's dedupe key, where it has one,
 * catches a death between enqueuing and confirming).
 *
 * Once the job is enqueued the outcome is "enqueued" whatever happens next: a
 * confirmation that fails (the store unreachable for a moment) comes back as
 * `unsettled`, for the caller to retry within the claim lease, and never as
 * an error that would make the tick look free.
 */
export async function enqueueTickOnce(dependencies: TickClaimDependencies, job: RecurringJob, tickMs: number): Promise<TickOutcome> {
  const { coordination, claimLeaseMs } = dependencies;
  const key = claimKey(job, tickMs);
  const holder = randomUUID();
  const { acquired } = await coordination.acquire(key, holder, { limit: 1, ttlMs: claimLeaseMs });
  if (!acquired) return { status: "taken" };
  let jobId: string;
  try {
    jobId = await dependencies.enqueueTick(job, tickMs);
  } catch (error) {
    await coordination.release(key, holder).catch(() => {});
    throw error;
  }
  const tick = { job, tickMs, holder };
  try {
    await settleTick(dependencies, tick);
    return { status: "enqueued", jobId };
  } catch (error) {
    dependencies.logger.warn("a tick's job was enqueued but its claim could not be confirmed; retrying the confirmation", { schedule: job.name, tick: new Date(tickMs).toISOString(), jobId, error });
    return { status: "enqueued", jobId, unsettled: tick };
  }
}

/**
 * Confirms an enqueued tick: keeps its claim until the tick has left every
 * scheduler's grace window for good, and raises the mark the catch-up reads.
 * Idempotent, so a failed confirmation is simply retried.
 */
export async function settleTick(dependencies: Omit<TickClaimDependencies, "enqueueTick">, { job, tickMs, holder }: UnsettledTick): Promise<void> {
  const { coordination, claimLeaseMs } = dependencies;
  const settledMs = 2 * job.graceMs + 2 * claimLeaseMs + 60_000;
  // acquire, not extend: it also takes back a claim whose lease ended while nobody else took it.
  const { acquired } = await coordination.acquire(claimKey(job, tickMs), holder, { limit: 1, ttlMs: settledMs });
  if (!acquired) {
    dependencies.logger.warn("a tick's claim passed to another scheduler before its job was confirmed (enqueue or confirmation slower than the claim lease); the tick may run twice", { schedule: job.name, tick: new Date(tickMs).toISOString() });
  }
  await coordination.advance(lastTickKey(job), tickMs);
}
