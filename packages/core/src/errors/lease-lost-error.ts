import { HopperError } from "./hopper-error.js";

const name = "LeaseLostError";
const marker = `hopper.error.${name}`;
const symbol = Symbol.for(marker);

/**
 * The reason given to a job's AbortSignal when the backend says its lease is
 * gone, or it ran out unrenewed: the message may already run elsewhere, so this
 * copy must stop and is never acked. `overdue` is true when this process found
 * the lease already past its end on its own clock (it stalled longer than the
 * lease: descheduled, SIGSTOPped, a VM pause), so another copy may have started
 * while it was not running.
 */
export class LeaseLostError extends HopperError {
  private readonly [symbol] = true;
  readonly jobId: string;
  readonly overdue: boolean;

  constructor(options: { jobId: string; overdue?: boolean; cause?: unknown }) {
    super({ name, message: `the lease on job ${options.jobId} was lost; it may be running elsewhere, so this copy was aborted and will not be acked`, cause: options.cause });
    this.jobId = options.jobId;
    this.overdue = options.overdue ?? false;
  }

  static override isInstance(error: unknown): error is LeaseLostError {
    return HopperError.hasMarker(error, marker);
  }
}
