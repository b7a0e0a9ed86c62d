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

export type TickOutcome = { readonly status: "enqueued"; readonly jobId: string } | { readonly status: "taken" };

/** Coordination key of the newest tick enqueued for `job` (a mark). */
export function lastTickKey(job: RecurringJob): string {
  return `schedule:${job.name}:last`;
}

/** Envelope meta a tick's job carries. */
export function tickMeta(job: RecurringJob, tickMs: number): Record<string, string> {
  return { "hopper.schedule": job.name, "hopper.tick": new Date(tickMs).toISOString() };
}

/**
 * Enqueues the job of one tick unless another process has enqueued it or is
 * doing so. The claim is held for a lease while enqueuing, then for long
 * enough that the tick is never tried again; a process that dies between
 * claiming and enqueuing frees the tick when the lease ends, and the next
 * scheduler takes it over (the backend's dedupe key, where it has one,
 * catches a death between enqueuing and confirming).
 */
export async function enqueueTickOnce(dependencies: TickClaimDependencies, job: RecurringJob, tickMs: number): Promise<TickOutcome> {
  const { coordination, claimLeaseMs } = dependencies;
  const key = `schedule:${job.name}:${tickMs}`;
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
  // Held until the tick has left every scheduler's grace window for good.
  const settledMs = 2 * job.graceMs + 2 * claimLeaseMs + 60_000;
  if (!(await coordination.extend(key, holder, settledMs))) {
    dependencies.logger.warn("a tick's claim ended before its job was enqueued (enqueue slower than the claim lease); the tick may run twice", { schedule: job.name, tick: new Date(tickMs).toISOString(), jobId });
  }
  await coordination.advance(lastTickKey(job), tickMs);
  return { status: "enqueued", jobId };
}
