const marker = "hopper.error";
const symbol = Symbol.for(marker);

/**
 * Base of every error Hopper throws. Markers are `Symbol.for` keys so
 * `isInstance` works across duplicate copies of the package.
 */
export class HopperError extends Error {
  private readonly [symbol] = true;

  constructor(options: { name: string; message: string; cause?: unknown }) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = options.name;
  }

  static isInstance(error: unknown): error is HopperError {
    return HopperError.hasMarker(error, marker);
  }

  protected static hasMarker(error: unknown, markerName: string): boolean {
    const markerSymbol = Symbol.for(markerName);
    return typeof error === "object" && error !== null && markerSymbol in error && (error as Record<symbol, unknown>)[markerSymbol] === true;
  }
}
