import ms from "ms";
import { ConfigurationError } from "./errors/configuration-error.js";

/** Milliseconds, or a string such as "500ms", "30s", "5m", "2h", "1d". */
export type Duration = number | string;

/** The longest duration: a thousand years, so that now plus it stays a Date (whose range is ±8.64e15 ms). */
export const MAX_DURATION_MS = 1000 * 365.25 * 86_400_000;

/** The longest timer Node keeps: past 2³¹ − 1 ms (about 24.8 days) setTimeout and setInterval fire after 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

export function toMilliseconds(value: Duration, field: string): number {
  const milliseconds = parsed(value);
  if (milliseconds === undefined || milliseconds < 0 || milliseconds > MAX_DURATION_MS) {
    throw new ConfigurationError({
      field,
      message: `${JSON.stringify(value) ?? String(value)} is not a duration: use milliseconds (a number ≥ 0) or a string such as "30s", "5m", "2h"`,
    });
  }
  return Math.round(milliseconds);
}

/** A number of milliseconds, or what `ms` reads in a string; undefined for anything else (ms throws on "" and non-strings). */
function parsed(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? value : undefined;
  if (typeof value !== "string" || value.trim() === "") return undefined;
  const milliseconds = ms(value as ms.StringValue);
  return typeof milliseconds === "number" && Number.isFinite(milliseconds) ? milliseconds : undefined;
}

/** A duration that must be longer than zero (a lease, an interval between retries). */
export function toPositiveMilliseconds(value: Duration, field: string): number {
  const milliseconds = toMilliseconds(value, field);
  if (milliseconds <= 0) throw new ConfigurationError({ field, message: `must be greater than 0, got ${JSON.stringify(value)}` });
  return milliseconds;
}

/** A duration a timer waits out in this process (an interval, a bound on a wait): at most MAX_TIMER_MS. */
export function toTimerMilliseconds(value: Duration, field: string): number {
  return withinTimerRange(toMilliseconds(value, field), value, field);
}

/** As toTimerMilliseconds, and longer than zero. */
export function toPositiveTimerMilliseconds(value: Duration, field: string): number {
  return withinTimerRange(toPositiveMilliseconds(value, field), value, field);
}

function withinTimerRange(milliseconds: number, value: Duration, field: string): number {
  if (milliseconds > MAX_TIMER_MS) {
    throw new ConfigurationError({ field, message: `must be at most ${MAX_TIMER_MS} ms (about 24.8 days, the longest timer Node keeps), got ${JSON.stringify(value)}` });
  }
  return milliseconds;
}
