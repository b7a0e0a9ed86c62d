import type { RateSlot, RateSlotOptions } from "./coordination-store.js";

/**
 * GCRA's one step, for stores that keep the bucket's theoretical arrival time
 * (`tat`: when the bucket would be empty again) in memory. `now` and `tat` share
 * the store's clock. Redis and PostgreSQL run the same arithmetic in their
 * script and statement.
 */
export function stepRateSlot(tat: number | undefined, now: number, options: RateSlotOptions): { slot: RateSlot; tat?: number } {
  const start = Math.max(tat ?? now, now);
  const waitMs = Math.max(0, start - (options.burst - 1) * options.intervalMs - now);
  if (waitMs > options.maxWaitMs) return { slot: { admitted: false, waitMs } };
  return { slot: { admitted: true, waitMs, startsAtMs: now + waitMs }, tat: start + options.intervalMs };
}
