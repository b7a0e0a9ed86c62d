import { HopperError } from "./hopper-error.js";

const name = "BackendClosedError";
const marker = `hopper.error.${name}`;
const symbol = Symbol.for(marker);

/** A call was made on a backend after `close()`. */
export class BackendClosedError extends HopperError {
  private readonly [symbol] = true;

  constructor(options: { backend: string; cause?: unknown }) {
    super({ name, message: `the ${options.backend} backend is closed`, cause: options.cause });
  }

  static override isInstance(error: unknown): error is BackendClosedError {
    return HopperError.hasMarker(error, marker);
  }
}
