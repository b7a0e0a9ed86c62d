import { HopperError } from "./hopper-error.js";

const name = "JobTimeoutError";
const marker = `hopper.error.${name}`;
const symbol = Symbol.for(marker);

/**
 * The reason given to a job's AbortSignal when it runs past its timeout, and
 * the error its attempt fails with; the retry policy decides what follows
 * (`retryOn(JobTimeoutError, …)`, `discardOn(JobTimeoutError)` work as usual).
 */
export class JobTimeoutError extends HopperError {
  private readonly [symbol] = true;
  readonly job: string;
  readonly jobId: string;
  readonly timeoutMs: number;

  constructor(options: { job: string; jobId: string; timeoutMs: number; cause?: unknown }) {
    super({ name, message: `job ${options.job} (${options.jobId}) ran past its timeout of ${options.timeoutMs} ms; its signal was aborted`, cause: options.cause });
    this.job = options.job;
    this.jobId = options.jobId;
    this.timeoutMs = options.timeoutMs;
  }

  static override isInstance(error: unknown): error is JobTimeoutError {
    return HopperError.hasMarker(error, marker);
  }
}
