import { setTimeout as sleep } from "node:timers/promises";

/**
 * Replies a Redis Cluster gives while a slot moves or fails over, each saying
 * the call did not run (scripts read before they write, see receive.lua), so it
 * may simply be made again. ioredis follows MOVED and ASK itself and retries
 * TRYAGAIN only `maxRedirections` times (default 16, `retryDelayOnTryAgain`
 * 100 ms apart: about 1.6 s) before giving up with "Too many Cluster
 * redirections. Last error: …", which names the reply; a last error that is not
 * one of these (a closed connection: the call may have run) is not matched.
 */
const notRun = /TRYAGAIN|non local key|CLUSTERDOWN|MOVED|ASK /;

export function isClusterTransientError(error: unknown): boolean {
  return error instanceof Error && notRun.test(error.message);
}

/**
 * How long a call that someone waits on (an enqueue, a receive, a renewal) waits out a slot migration by default
 * (`RedisBackendOptions.slotMoveWaitMs`): a reshard holds a slot half moved for as long as its MIGRATEs take.
 */
export const slotMoveBoundMs = 30_000;
const slotMoveRetryDelayMs = 100;

/** How long `whileSlotMoves` goes on: `boundMs` at most (Infinity for acks), and never once `giveUp` aborted. */
export interface SlotMoveWait {
  readonly boundMs: number;
  readonly giveUp?: AbortSignal;
  /** Told once, with the last reply, when a call without a bound has waited this long (so a stuck slot is not silent). */
  readonly warnAfterMs?: number;
  readonly onLongWait?: (waitedMs: number, error: Error) => void;
}

/**
 * Makes `call` again while the cluster answers that its slot is moving, for as
 * long as `wait` allows (timed on the monotonic clock). An ack that gave up here
 * would run its job again for a move that ends on its own, so acks wait without a
 * bound (saying so once they have waited long) until the backend closes; an
 * enqueue fails its producer at its bound instead of holding it for the whole
 * reshard, and a nack given up on only leaves its job to its lease.
 */
export async function whileSlotMoves<T>(call: () => Promise<T>, wait: SlotMoveWait = { boundMs: slotMoveBoundMs }): Promise<T> {
  const startedAt = performance.now();
  let warned = false;
  for (;;) {
    try {
      return await call();
    } catch (error) {
      const waitedMs = performance.now() - startedAt;
      if (!isClusterTransientError(error) || waitedMs >= wait.boundMs || wait.giveUp?.aborted) throw error;
      if (!warned && wait.warnAfterMs !== undefined && waitedMs >= wait.warnAfterMs) {
        warned = true;
        wait.onLongWait?.(waitedMs, error as Error);
      }
      await sleep(slotMoveRetryDelayMs);
    }
  }
}
