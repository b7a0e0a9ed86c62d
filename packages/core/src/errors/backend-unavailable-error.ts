import { redactSecrets, sanitizedError } from "../redaction.js";
import { HopperError } from "./hopper-error.js";

const name = "BackendUnavailableError";
const marker = `hopper.error.${name}`;
const symbol = Symbol.for(marker);

/**
 * The backend could not be reached: it could not be opened, the connection was
 * refused, or nothing answered within `connectTimeout`. `url` is redacted;
 * `cause` is a sanitized copy of the driver's error (no options, requests or
 * passwords a driver may attach to its errors). `during` says what failed, so
 * the message speaks of a job only when an enqueue did.
 */
export class BackendUnavailableError extends HopperError {
  private readonly [symbol] = true;
  /** The backend's URL without credentials; undefined for a backend given as an instance. */
  readonly url: string | undefined;
  /** Set when nothing answered within the bound. */
  readonly timeoutMs: number | undefined;

  constructor(options: { url?: string; timeoutMs?: number; cause: unknown; during?: "enqueue" | "open" }) {
    const url = options.url === undefined ? undefined : redactSecrets(options.url);
    const cause = sanitizedError(options.cause);
    const where = url === undefined ? "cannot reach the backend" : `cannot reach the backend at ${url}`;
    const enqueueing = (options.during ?? "enqueue") === "enqueue";
    const detail =
      options.timeoutMs === undefined
        ? enqueueing
          ? `${cause.message}; the job was not enqueued`
          : cause.message
        : enqueueing
          ? `no answer within ${options.timeoutMs} ms (connectTimeout); the job may still be enqueued if the backend answers later, so a retry can duplicate it`
          : `no answer within ${options.timeoutMs} ms (connectTimeout)`;
    super({ name, message: `${where}: ${detail}`, cause });
    this.url = url;
    this.timeoutMs = options.timeoutMs;
  }

  static override isInstance(error: unknown): error is BackendUnavailableError {
    return HopperError.hasMarker(error, marker);
  }
}
