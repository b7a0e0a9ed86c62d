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

/**
 * A slot interval in whole µs, rounded up, for stores that keep time in µs (Redis's scripts, PostgreSQL's intervals).
 * Rounded to the nearest, `3 per second`'s 333.333… ms became 333 333 µs and four slots fit in 999.999 ms; up, the
 * bound holds (a slot a µs later, never earlier). To whole ns first, so float noise (0.1 + 0.2 ms) adds no µs.
 */
export function slotIntervalMicroseconds(intervalMs: number): number {
  return Math.max(1, Math.ceil(Math.round(intervalMs * 1_000_000) / 1000));
}
