import { HopperError } from "./hopper-error.js";

const name = "ShutdownError";
const marker = `hopper.error.${name}`;
const symbol = Symbol.for(marker);

/** The reason given to a job's AbortSignal when a graceful shutdown runs out of time. */
export class ShutdownError extends HopperError {
  private readonly [symbol] = true;

  constructor(options: { cause?: unknown } = {}) {
    super({ name, message: "the worker is shutting down; the job was handed back to the queue", cause: options.cause });
  }

  static override isInstance(error: unknown): error is ShutdownError {
    return HopperError.hasMarker(error, marker);
  }
}
