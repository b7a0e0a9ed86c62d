import { toMilliseconds } from "../duration.js";
import { HopperError } from "./hopper-error.js";

const name = "RetryLaterError";
const marker = `hopper.error.${name}`;
const symbol = Symbol.for(marker);

/** Throw from `perform` to run the job again after `delayMs` without counting it as a failure. */
export class RetryLaterError extends HopperError {
  private readonly [symbol] = true;
  readonly delayMs: number;

  /** `delayMs`: milliseconds from 0 to a thousand years (a ConfigurationError otherwise: NaN or a negative delay re-ran the job in a hot loop, Infinity never settled it). */
  constructor(options: { delayMs: number; message?: string; cause?: unknown }) {
    const delayMs = toMilliseconds(options?.delayMs, "RetryLaterError.delayMs");
    super({ name, message: options.message ?? `job asked to be retried in ${delayMs} ms`, cause: options.cause });
    this.delayMs = delayMs;
  }

  static override isInstance(error: unknown): error is RetryLaterError {
    return HopperError.hasMarker(error, marker);
  }
}
