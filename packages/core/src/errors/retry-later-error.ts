import { HopperError } from "./hopper-error.js";

const name = "RetryLaterError";
const marker = `hopper.error.${name}`;
const symbol = Symbol.for(marker);

/** Throw from `perform` to run the job again after `delayMs` without counting it as a failure. */
export class RetryLaterError extends HopperError {
  private readonly [symbol] = true;
  readonly delayMs: number;

  constructor(options: { delayMs: number; message?: string; cause?: unknown }) {
    super({ name, message: options.message ?? `job asked to be retried in ${options.delayMs} ms`, cause: options.cause });
    this.delayMs = options.delayMs;
  }

  static override isInstance(error: unknown): error is RetryLaterError {
    return HopperError.hasMarker(error, marker);
  }
}
