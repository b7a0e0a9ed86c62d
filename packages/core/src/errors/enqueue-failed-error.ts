import { redactValue } from "../redaction.js";
import { HopperError } from "./hopper-error.js";

const name = "EnqueueFailedError";
const marker = `hopper.error.${name}`;
const symbol = Symbol.for(marker);

/** Some or all messages of an enqueue were refused by the backend; `enqueuedIds` lists those that made it. */
export class EnqueueFailedError extends HopperError {
  private readonly [symbol] = true;
  readonly failures: readonly { readonly index: number; readonly id: string; readonly error: Error }[];
  readonly enqueuedIds: readonly string[];

  constructor(options: { failures: EnqueueFailedError["failures"]; enqueuedIds: readonly string[] }) {
    // A driver's error may quote its connection string: such errors are replaced by sanitized copies, the others kept as they are.
    const failures = options.failures.map((failure) => ({ ...failure, error: redactValue(failure.error) as Error }));
    const first = failures[0];
    super({
      name,
      message: `${failures.length} job(s) could not be enqueued (${options.enqueuedIds.length} were); first failure: ${first?.error.message}`,
      cause: first?.error,
    });
    this.failures = failures;
    this.enqueuedIds = options.enqueuedIds;
  }

  static override isInstance(error: unknown): error is EnqueueFailedError {
    return HopperError.hasMarker(error, marker);
  }
}
