import { HopperError } from "./hopper-error.js";

const name = "PayloadVersionError";
const marker = `hopper.error.${name}`;
const symbol = Symbol.for(marker);

/** A payload is newer than this worker knows (or cannot be upgraded); it is held back, then dead-lettered. */
export class PayloadVersionError extends HopperError {
  private readonly [symbol] = true;
  readonly job: string;
  readonly payloadVersion: number;
  readonly knownVersion: number;

  constructor(options: { job: string; payloadVersion: number; knownVersion: number; message?: string; cause?: unknown }) {
    super({ name, message: options.message ?? `${options.job} payload has version ${options.payloadVersion} but this worker knows only up to version ${options.knownVersion}: deploy a worker that knows version ${options.payloadVersion}, or retry the dead letter once it runs`, cause: options.cause });
    this.job = options.job;
    this.payloadVersion = options.payloadVersion;
    this.knownVersion = options.knownVersion;
  }

  static override isInstance(error: unknown): error is PayloadVersionError {
    return HopperError.hasMarker(error, marker);
  }
}
