import { HopperError } from "./hopper-error.js";

const name = "PayloadTooLargeError";
const marker = `hopper.error.${name}`;
const symbol = Symbol.for(marker);

/** An encoded job is larger than the backend accepts. */
export class PayloadTooLargeError extends HopperError {
  private readonly [symbol] = true;
  readonly sizeBytes: number;
  readonly limitBytes: number;
  readonly backend: string;

  constructor(options: { sizeBytes: number; limitBytes: number; backend: string; job: string; cause?: unknown }) {
    super({ name, message: `${options.job} payload is ${options.sizeBytes} bytes, over the ${options.backend} backend's limit of ${options.limitBytes} bytes: store large data elsewhere and pass a reference`, cause: options.cause });
    this.sizeBytes = options.sizeBytes;
    this.limitBytes = options.limitBytes;
    this.backend = options.backend;
  }

  static override isInstance(error: unknown): error is PayloadTooLargeError {
    return HopperError.hasMarker(error, marker);
  }
}
