import { HopperError } from "./hopper-error.js";

const name = "JobNotFoundError";
const marker = `hopper.error.${name}`;
const symbol = Symbol.for(marker);

/** No record for this job id: never enqueued with records on, or its record expired (`records.keep`). */
export class JobNotFoundError extends HopperError {
  private readonly [symbol] = true;
  readonly jobId: string;

  constructor(options: { jobId: string; cause?: unknown }) {
    super({ name, message: `no record of job ${JSON.stringify(options.jobId)}: it was never enqueued with records on, or its record expired (see records.keep)`, cause: options.cause });
    this.jobId = options.jobId;
  }

  static override isInstance(error: unknown): error is JobNotFoundError {
    return HopperError.hasMarker(error, marker);
  }
}
