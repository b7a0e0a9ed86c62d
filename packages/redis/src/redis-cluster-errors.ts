import { setTimeout as sleep } from "node:timers/promises";

/**
 * Replies a Redis Cluster gives while a slot moves or fails over, each saying
 * the call did not run (scripts read before they write, see receive.lua), so it
 * may simply be made again. ioredis follows MOVED and ASK itself and retries
 * TRYAGAIN only `maxRedirections` times (default 16, about half a second)
 * before giving up with "Too many Cluster redirections. Last error: …", which
 * names the reply; a last error that is not one of these (a closed connection:
 * the call may have run) is not matched.
 */
const notRun = /TRYAGAIN|non local key|CLUSTERDOWN|MOVED|ASK /;

export function isClusterTransientError(error: unknown): boolean {
  return error instanceof Error && notRun.test(error.message);
}

/** How long one call waits out a slot migration: a reshard holds a slot half moved for as long as its MIGRATEs take. */
export const slotMoveBoundMs = 30_000;
const slotMoveRetryDelayMs = 100;

/**
 * Makes `call` again while the cluster answers that its slot is moving, up to
 * `slotMoveBoundMs`: an ack or enqueue that gave up here would run a job again
 * or fail its producer for a move that ends on its own.
 */
export async function whileSlotMoves<T>(call: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + slotMoveBoundMs;
  for (;;) {
    try {
      return await call();
    } catch (error) {
      if (!isClusterTransientError(error) || Date.now() >= deadline) throw error;
      await sleep(slotMoveRetryDelayMs);
    }
  }
}
