import { randomUUID } from "node:crypto";
import type { CoordinationStore } from "../coordination/coordination-store.js";
import type { Logger } from "../logger.js";
import type { BatchOutcome } from "./batch-state.js";

/**
 * The claim one copy of a workflow's job (a callback, a chain's step) holds while it runs: a fenced claim
 * `<scope>:fence:<name>` (coordination v6), renewed every third of its lease until the message is settled.
 * Its token fences the copy's end: a success commits the claim in the same atomic step that checks the token, so
 * of two copies that ran at once (the first stalled past its lease, the second took the claim) one success is
 * recorded, the latest holder's; the other's end is refused.
 *
 * Beside it the copy holds `<scope>:run:<name>`, the plain claim workers of the previous release take (they know no
 * fence), so during a rolling deploy an old and a new worker still run copies one at a time.
 */
export interface RunClaim {
  /** This copy's token. */
  readonly token: number;
  /**
   * Whether this copy may do its job's bookkeeping: its token is still the latest and nothing was committed. A
   * success commits in the same step (a second commit is refused); another outcome is only checked.
   */
  settle(outcome: BatchOutcome): Promise<boolean>;
  /** Stops the renewals and lets both claims go. */
  release(): Promise<void>;
}

/** What taking a run claim found: the claim, another copy holding it, or a copy that already succeeded (committed). */
export type RunClaimTaken = { readonly claim: RunClaim } | { readonly held: true } | { readonly committed: true };

export interface RunClaimOptions {
  readonly store: CoordinationStore;
  /** The workflow's scope and the job's name in it (`sentOnceOf`). */
  readonly scope: string;
  readonly name: string;
  readonly jobId: string;
  /** How long the claims last unrenewed: the worker's lease. */
  readonly leaseMs: number;
  /** How long the fence (its tokens, its commit) lives: as long as the workflow's state. */
  readonly keepMs: number;
  readonly logger: Logger;
}

export async function takeRunClaim(options: RunClaimOptions): Promise<RunClaimTaken> {
  const { store, scope, name, jobId, leaseMs, keepMs, logger } = options;
  // One holder per copy: a redelivered copy of the same job must not share the claim, nor its token.
  const holder = `${jobId}:${randomUUID()}`;
  const fenceKey = `${scope}:fence:${name}`;
  const legacyKey = `${scope}:run:${name}`;
  const fenced = await store.acquireFenced(fenceKey, holder, { ttlMs: leaseMs, keepMs });
  if (fenced.committed) return { committed: true };
  if (!fenced.acquired) return { held: true };
  const legacy = await store.acquire(legacyKey, holder, { limit: 1, ttlMs: leaseMs }).catch(async (error: unknown) => {
    await store.releaseFenced(fenceKey, holder).catch(() => {});
    throw error;
  });
  if (!legacy.acquired) {
    await store.releaseFenced(fenceKey, holder);
    return { held: true };
  }
  const lost = (error?: unknown) =>
    error === undefined
      ? logger.warn("a running batch callback or chain step lost its run claim (a renewal came after the lease ended); another copy may run beside it, and the later end of the two is refused", { key: fenceKey, jobId })
      : logger.warn("could not renew a batch callback's run claim; it is tried again", { key: fenceKey, jobId, error });
  const renewal = setInterval(() => {
    Promise.all([store.extendFenced(fenceKey, holder, leaseMs), store.extend(legacyKey, holder, leaseMs)]).then(([held]) => held || lost(), lost);
  }, Math.max(10, Math.floor(leaseMs / 3)));
  renewal.unref();
  const token = fenced.token!;
  return {
    claim: {
      token,
      settle: (outcome) => store.fence(fenceKey, token, { commit: outcome === "succeeded", keepMs }),
      async release() {
        clearInterval(renewal);
        await Promise.all([store.releaseFenced(fenceKey, holder), store.release(legacyKey, holder)]).catch((error: unknown) =>
          logger.warn("could not release a batch callback's run claim; it frees itself when its lease ends", { key: fenceKey, jobId, error }),
        );
      },
    },
  };
}
