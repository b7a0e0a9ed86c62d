import { HopperError } from "./hopper-error.js";

const name = "MalformedEnvelopeError";
const marker = `hopper.error.${name}`;
const symbol = Symbol.for(marker);

/** A message body is not a valid Hopper envelope. */
export class MalformedEnvelopeError extends HopperError {
  private readonly [symbol] = true;
  readonly field: string | undefined;

  constructor(options: { message: string; field?: string; cause?: unknown }) {
    super({ name, message: options.message, cause: options.cause });
    this.field = options.field;
  }

  static override isInstance(error: unknown): error is MalformedEnvelopeError {
    return HopperError.hasMarker(error, marker);
  }
}
