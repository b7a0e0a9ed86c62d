import { setTimeout as sleep } from "node:timers/promises";
import { now } from "../subjects/bench-subject.js";

/** True once `done()` holds, false when `deadline` (ms on `now()`'s clock) passes first; checks every `tickMs`. */
export async function waitUntil(done: () => boolean, deadline: number, tickMs = 5): Promise<boolean> {
  while (!done()) {
    const left = deadline - now();
    if (left <= 0) return false;
    await sleep(Math.min(tickMs, left));
  }
  return true;
}

/**
 * True when `promise` resolves before `deadline`, false when the deadline comes first (the promise is left to run,
 * and a later rejection is dropped); a rejection before the deadline is thrown.
 */
export async function settlesBy(promise: Promise<unknown>, deadline: number): Promise<boolean> {
  const settled = promise.then(() => true);
  settled.catch(() => {});
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, deadline - now()))));
  try {
    return await Promise.race([settled, late]);
  } finally {
    clearTimeout(timer);
  }
}
