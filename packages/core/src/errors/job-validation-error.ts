import { HopperError } from "./hopper-error.js";

const name = "JobValidationError";
const marker = `hopper.error.${name}`;
const symbol = Symbol.for(marker);

/** Job arguments failed the job's `schema`. */
export class JobValidationError extends HopperError {
  private readonly [symbol] = true;
  readonly job: string;
  readonly issues: readonly { message: string; path?: string }[];

  constructor(options: { job: string; issues: readonly { message: string; path?: string }[]; cause?: unknown }) {
    super({ name, message: `invalid arguments for ${options.job}: ${options.issues.map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message)).join("; ")}`, cause: options.cause });
    this.job = options.job;
    this.issues = options.issues;
  }

  static override isInstance(error: unknown): error is JobValidationError {
    return HopperError.hasMarker(error, marker);
  }
}
