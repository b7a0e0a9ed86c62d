import ms from "ms";
import { ConfigurationError } from "./errors/configuration-error.js";

/** Milliseconds, or a string such as "500ms", "30s", "5m", "2h", "1d". */
export type Duration = number | string;

export function toMilliseconds(value: Duration, field: string): number {
  const milliseconds = typeof value === "number" ? value : ms(value as ms.StringValue);
  if (typeof milliseconds !== "number" || !Number.isFinite(milliseconds) || milliseconds < 0) {
    throw new ConfigurationError({
      field,
      message: `${JSON.stringify(value)} is not a duration: use milliseconds (a number ≥ 0) or a string such as "30s", "5m", "2h"`,
    });
  }
  return Math.round(milliseconds);
}

/** A duration that must be longer than zero (a lease, an interval between retries). */
export function toPositiveMilliseconds(value: Duration, field: string): number {
  const milliseconds = toMilliseconds(value, field);
  if (milliseconds <= 0) throw new ConfigurationError({ field, message: `must be greater than 0, got ${JSON.stringify(value)}` });
  return milliseconds;
}
