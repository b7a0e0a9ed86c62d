import { redactSecrets, sanitizedError } from "../redaction.js";
import { HopperError } from "./hopper-error.js";

const name = "BackendUnavailableError";
const marker = `hopper.error.${name}`;
const symbol = Symbol.for(marker);

/**
 * The backend could not be reached at enqueue: it could not be opened, the
 * connection was refused, or nothing answered within `connectTimeout`. `url`
 * is redacted; `cause` is a sanitized copy of the driver's error (no options,
 * requests or passwords a driver may attach to its errors).
 */
export class BackendUnavailableError extends HopperError {
  private readonly [symbol] = true;
  /** The backend's URL without credentials; undefined for a backend given as an instance. */
  readonly url: string | undefined;
  /** Set when nothing answered within the bound. */
  readonly timeoutMs: number | undefined;

  constructor(options: { url?: string; timeoutMs?: number; cause: unknown }) {
    const url = options.url === undefined ? undefined : redactSecrets(options.url);
    const cause = sanitizedError(options.cause);
    const where = url === undefined ? "cannot reach the backend" : `cannot reach the backend at ${url}`;
    const detail =
      options.timeoutMs === undefined
        ? `${cause.message}; the job was not enqueued`
        : `no answer within ${options.timeoutMs} ms (connectTimeout); the job may still be enqueued if the backend answers later, so a retry can duplicate it`;
    super({ name, message: `${where}: ${detail}`, cause });
    this.url = url;
    this.timeoutMs = options.timeoutMs;
  }

  static override isInstance(error: unknown): error is BackendUnavailableError {
    return HopperError.hasMarker(error, marker);
  }
}
