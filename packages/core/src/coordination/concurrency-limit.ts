import { randomUUID } from "node:crypto";
import type { Logger } from "../logger.js";
import type { CoordinationStore } from "./coordination-store.js";
import { jobKeyPart, keyFor, type ResolvedConcurrency } from "./job-coordination-options.js";

/** A place among a key's `limit` concurrent performs, renewed until released. */
export interface ConcurrencySlot {
  release(): Promise<void>;
}

/** The coordination key a job's performs contend on. */
export function concurrencyStoreKey(jobName: string, concurrency: ResolvedConcurrency, args: unknown): string {
  return `concurrency:${jobKeyPart(jobName)}:${keyFor(concurrency.key, args, `${jobName}.concurrency`)}`;
}

/**
 * Takes a slot on `key` for one perform of job `jobId`, or resolves undefined
 * when `limit` performs hold it already. The slot is renewed every third of
 * its lease, so only a worker that stopped (crashed, froze) loses it.
 */
export async function takeConcurrencySlot(coordination: CoordinationStore, key: string, concurrency: ResolvedConcurrency, jobId: string, logger: Logger): Promise<ConcurrencySlot | undefined> {
  // One holder per perform: a redelivered copy of the same job must not share its slot.
  const holder = `${jobId}:${randomUUID()}`;
  const { leaseMs } = concurrency;
  const { acquired } = await coordination.acquire(key, holder, { limit: concurrency.limit, ttlMs: leaseMs });
  if (!acquired) return undefined;
  const renewal = setInterval(() => {
    coordination.extend(key, holder, leaseMs).then(
      (held) => {
        if (!held) logger.warn("a running job lost its concurrency slot (renewal came after the lease ended); another job with its key may run alongside it", { key, jobId });
      },
      (error: unknown) => logger.warn("could not renew a concurrency slot; it is tried again", { key, jobId, error }),
    );
  }, Math.max(10, Math.floor(leaseMs / 3)));
  renewal.unref();
  return {
    async release() {
      clearInterval(renewal);
      await coordination.release(key, holder).catch((error: unknown) => logger.warn("could not release a concurrency slot; it frees itself when its lease ends", { key, jobId, error }));
    },
  };
}

/** When a job that found its key full is offered again: `retryAfter` ±50%, so waiting jobs do not all return at once. */
export function slotRetryAt(concurrency: ResolvedConcurrency, now = Date.now()): number {
  return now + Math.round(concurrency.retryAfterMs * (0.5 + Math.random()));
}
