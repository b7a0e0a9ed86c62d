import { HopperError } from "./hopper-error.js";

const name = "ConfigurationError";
const marker = `hopper.error.${name}`;
const symbol = Symbol.for(marker);

/** Bad configuration or call options; the message names the field and the fix. */
export class ConfigurationError extends HopperError {
  private readonly [symbol] = true;
  readonly field: string;

  constructor(options: { field: string; message: string; cause?: unknown }) {
    super({ name, message: `${options.field}: ${options.message}`, cause: options.cause });
    this.field = options.field;
  }

  static override isInstance(error: unknown): error is ConfigurationError {
    return HopperError.hasMarker(error, marker);
  }
}
