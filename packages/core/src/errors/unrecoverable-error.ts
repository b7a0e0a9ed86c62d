import { HopperError } from "./hopper-error.js";

const name = "UnrecoverableError";
const marker = `hopper.error.${name}`;
const symbol = Symbol.for(marker);

/** Throw from `perform` to fail the job at once: no retries, straight to the dead letters. */
export class UnrecoverableError extends HopperError {
  private readonly [symbol] = true;

  constructor(message: string, options: { cause?: unknown } = {}) {
    super({ name, message, cause: options.cause });
  }

  static override isInstance(error: unknown): error is UnrecoverableError {
    return HopperError.hasMarker(error, marker);
  }
}
