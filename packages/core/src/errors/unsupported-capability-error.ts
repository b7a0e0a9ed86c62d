import { HopperError } from "./hopper-error.js";

const name = "UnsupportedCapabilityError";
const marker = `hopper.error.${name}`;
const symbol = Symbol.for(marker);

/** Thrown at enqueue time when a job asks for something the backend cannot do and the core cannot emulate. */
export class UnsupportedCapabilityError extends HopperError {
  private readonly [symbol] = true;
  readonly capability: string;
  readonly backend: string;

  constructor(options: { capability: string; backend: string; message: string; cause?: unknown }) {
    super({ name, message: options.message, cause: options.cause });
    this.capability = options.capability;
    this.backend = options.backend;
  }

  static override isInstance(error: unknown): error is UnsupportedCapabilityError {
    return HopperError.hasMarker(error, marker);
  }
}
