import { HopperError } from "./hopper-error.js";

const name = "UnknownJobError";
const marker = `hopper.error.${name}`;
const symbol = Symbol.for(marker);

/** A message names a job this worker has not registered. */
export class UnknownJobError extends HopperError {
  private readonly [symbol] = true;
  readonly job: string;

  constructor(options: { job: string; known: readonly string[]; cause?: unknown }) {
    super({ name, message: `no job named "${options.job}" is registered with this worker (known: ${options.known.join(", ") || "none"}): pass the job class in createHopper({ jobs: [...] })`, cause: options.cause });
    this.job = options.job;
  }

  static override isInstance(error: unknown): error is UnknownJobError {
    return HopperError.hasMarker(error, marker);
  }
}
