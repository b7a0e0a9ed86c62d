import { toMilliseconds, type Duration } from "../duration.js";
import { ConfigurationError } from "../errors/configuration-error.js";

/**
 * The clock a test Hopper's queues and schedules read: real time plus what
 * the test advanced. It never goes back. It does not touch `Date.now()`, so
 * application code and timers keep real time.
 */
export interface TestClock {
  now(): Date;
  /** Moves the clock forward by `by`; nothing runs until performEnqueued. */
  advance(by: Duration): void;
  /** Moves the clock forward to `to`. */
  set(to: Date): void;
}

export function createTestClock(): TestClock & { nowMs(): number; moveForwardTo(ms: number): void } {
  let offsetMs = 0;
  let lastMs = Date.now();
  const nowMs = () => (lastMs = Math.max(lastMs, Date.now() + offsetMs));
  return {
    nowMs,
    // For the test Hopper's own moves: real time may pass a due time between reading
    // the clock and moving it, and that must not throw as a test's own step back does.
    moveForwardTo(ms) {
      if (!Number.isFinite(ms)) throw new ConfigurationError({ field: "clock.moveForwardTo", message: `must be a finite time in ms, got ${ms}` });
      offsetMs += Math.max(0, ms - nowMs());
    },
    now: () => new Date(nowMs()),
    advance(by) {
      offsetMs += toMilliseconds(by, "clock.advance");
    },
    set(to) {
      if (!(to instanceof Date) || Number.isNaN(to.getTime())) throw new ConfigurationError({ field: "clock.set", message: "must be a valid Date" });
      const current = nowMs();
      if (to.getTime() < current) throw new ConfigurationError({ field: "clock.set", message: `${to.toISOString()} is before the clock's ${new Date(current).toISOString()}: the test clock only moves forward` });
      offsetMs += to.getTime() - current;
    },
  };
}
