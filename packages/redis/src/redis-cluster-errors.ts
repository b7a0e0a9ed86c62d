/**
 * Errors a Redis Cluster answers while a slot moves or fails over: the call
 * changed nothing (scripts read before they write, see receive.lua), so it may
 * simply be made again. ioredis follows MOVED and ASK itself and retries
 * TRYAGAIN a bounded number of times before giving up with "Too many Cluster
 * redirections".
 */
const transient = /TRYAGAIN|non local key|Too many Cluster redirections|CLUSTERDOWN|MOVED|ASK /;

export function isClusterTransientError(error: unknown): boolean {
  return error instanceof Error && transient.test(error.message);
}
