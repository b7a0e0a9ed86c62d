import { HopperError } from "./hopper-error.js";

const name = "LeaseLostError";
const marker = `hopper.error.${name}`;
const symbol = Symbol.for(marker);

/**
 * The reason given to a job's AbortSignal when the backend says its lease is
 * gone: the message may already run elsewhere, so this copy must stop and is
 * never acked.
 */
export class LeaseLostError extends HopperError {
  private readonly [symbol] = true;
  readonly jobId: string;

  constructor(options: { jobId: string; cause?: unknown }) {
    super({ name, message: `the lease on job ${options.jobId} was lost; it may be running elsewhere, so this copy was aborted and will not be acked`, cause: options.cause });
    this.jobId = options.jobId;
  }

  static override isInstance(error: unknown): error is LeaseLostError {
    return HopperError.hasMarker(error, marker);
  }
}
