import { HopperError } from "./hopper-error.js";
import { UnrecoverableError } from "./unrecoverable-error.js";

const name = "IterationError";
const marker = `hopper.error.${name}`;
const symbol = Symbol.for(marker);

/**
 * An iterable job used `context.iterate` or `context.step` in a way that cannot
 * be checkpointed (a cursor that is not plain JSON, a step name used twice).
 * The same code fails the same way every time, so it is unrecoverable: the job
 * goes to the dead letters with this message rather than being retried.
 */
export class IterationError extends UnrecoverableError {
  private readonly [symbol] = true;
  readonly job: string;
  readonly field: string;

  constructor(options: { job: string; field: string; message: string; cause?: unknown }) {
    super(`${options.job} ${options.field}: ${options.message}`, { cause: options.cause });
    this.name = name;
    this.job = options.job;
    this.field = options.field;
  }

  static override isInstance(error: unknown): error is IterationError {
    return HopperError.hasMarker(error, marker);
  }
}
