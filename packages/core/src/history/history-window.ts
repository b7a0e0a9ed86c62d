/**
 * The shape of queue history: 10 s buckets kept for 60 minutes (360 buckets per
 * queue). Ten seconds is the finest a chart of the last minutes needs and keeps
 * one store write per active queue per worker every 10 s; an hour bounds what a
 * read returns (workers × buckets entries) and what the store keeps. The
 * entries of one queue are split into 10-minute slabs, each a coordination key
 * of its own, so a read of the last 15 minutes lists two or three keys rather
 * than the whole hour.
 */
export const HISTORY_BUCKET_MS = 10_000;
export const HISTORY_WINDOW_MS = 60 * 60_000;
export const HISTORY_SLAB_MS = 10 * 60_000;
/** The entry format; readers skip entries of another. */
export const HISTORY_ENTRY_FORMAT = 1;

export function historyKey(queue: string, bucketStartMs: number): string {
  return `hopper:history:${queue}:${Math.floor(bucketStartMs / HISTORY_SLAB_MS)}`;
}

/** The keys holding the buckets that start in [fromMs, toMs]. */
export function historyKeys(queue: string, fromMs: number, toMs: number): string[] {
  const keys: string[] = [];
  for (let slab = Math.floor(fromMs / HISTORY_SLAB_MS); slab <= Math.floor(toMs / HISTORY_SLAB_MS); slab++) keys.push(`hopper:history:${queue}:${slab}`);
  return keys;
}
