import { HopperError } from "./hopper-error.js";

const name = "JobWaitTimeoutError";
const marker = `hopper.error.${name}`;
const symbol = Symbol.for(marker);

/** `hopper.jobs.wait` gave up before the job finished; the job itself is untouched. */
export class JobWaitTimeoutError extends HopperError {
  private readonly [symbol] = true;
  readonly jobId: string;
  readonly timeoutMs: number;
  /** The job's state when the wait gave up. */
  readonly state: string;

  constructor(options: { jobId: string; timeoutMs: number; state: string }) {
    super({ name, message: `job ${JSON.stringify(options.jobId)} was still ${options.state} after ${options.timeoutMs} ms: wait longer ({ timeout }) or poll hopper.jobs.get(id)` });
    this.jobId = options.jobId;
    this.timeoutMs = options.timeoutMs;
    this.state = options.state;
  }

  static override isInstance(error: unknown): error is JobWaitTimeoutError {
    return HopperError.hasMarker(error, marker);
  }
}
