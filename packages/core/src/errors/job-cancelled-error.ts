import { HopperError } from "./hopper-error.js";

const name = "JobCancelledError";
const marker = `hopper.error.${name}`;
const symbol = Symbol.for(marker);

/** The reason `ctx.signal` aborts with when `hopper.jobs.cancel(id)` stops a running job; such a job ends `cancelled`, never retried. */
export class JobCancelledError extends HopperError {
  private readonly [symbol] = true;
  readonly jobId: string;

  constructor(options: { jobId: string; cause?: unknown }) {
    super({ name, message: `job ${JSON.stringify(options.jobId)} was cancelled while it ran (hopper.jobs.cancel)`, cause: options.cause });
    this.jobId = options.jobId;
  }

  static override isInstance(error: unknown): error is JobCancelledError {
    return HopperError.hasMarker(error, marker);
  }
}
