import { toMilliseconds, type Duration } from "./duration.js";
import { ConfigurationError } from "./errors/configuration-error.js";

/** Longest timeout: Node's timers fire at once past 2³¹ − 1 ms (about 24.8 days), which would abort every run. */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;

/** A job timeout (`static timeout`, `set({ timeout })`) in milliseconds: longer than zero, at most MAX_TIMEOUT_MS. */
export function toTimeoutMilliseconds(value: Duration, field: string): number {
  if (typeof value !== "number" && typeof value !== "string") {
    throw new ConfigurationError({ field, message: `must be a duration such as "30s" or "5m" (or milliseconds), got ${JSON.stringify(value)}` });
  }
  const milliseconds = toMilliseconds(value, field);
  if (milliseconds <= 0 || milliseconds > MAX_TIMEOUT_MS) {
    throw new ConfigurationError({ field, message: `a timeout must be longer than 0 and at most ${MAX_TIMEOUT_MS} ms (about 24 days), got ${JSON.stringify(value)}` });
  }
  return milliseconds;
}
