import { HopperError } from "./hopper-error.js";

const name = "JobRecordValueError";
const marker = `hopper.error.${name}`;
const symbol = Symbol.for(marker);

/** A job's progress or result cannot be kept in its record: not plain JSON, or larger than the bound. */
export class JobRecordValueError extends HopperError {
  private readonly [symbol] = true;
  /** "progress" or "result". */
  readonly field: string;
  /** The bound, when the value was too large. */
  readonly limitBytes: number | undefined;
  readonly sizeBytes: number | undefined;

  constructor(options: { field: string; message: string; limitBytes?: number; sizeBytes?: number; cause?: unknown }) {
    super({ name, message: `${options.field}: ${options.message}`, cause: options.cause });
    this.field = options.field;
    this.limitBytes = options.limitBytes;
    this.sizeBytes = options.sizeBytes;
  }

  static override isInstance(error: unknown): error is JobRecordValueError {
    return HopperError.hasMarker(error, marker);
  }
}
