import type { Backend } from "./backend/backend.js";
import { ConfigurationError } from "./errors/configuration-error.js";
import type { Logger } from "./logger.js";
import { abortableSleep } from "./abortable-sleep.js";

const firstRetryMs = 500;
const maxRetryMs = 15_000;

/**
 * Opens the backend once and shares it. A failed open is forgotten, so the
 * next call tries again: a database that is down while a worker boots (a
 * deploy during a failover) is waited for, not fatal.
 */
export class BackendConnection {
  private opening: Promise<Backend> | undefined;
  private opened_: Backend | undefined;

  constructor(private readonly open: () => Promise<Backend>) {}

  /** The open backend; rejects with the error of this attempt when opening fails. */
  get(): Promise<Backend> {
    this.opening ??= this.open().then(
      (backend) => (this.opened_ = backend),
      (error: unknown) => {
        this.opening = undefined;
        throw error;
      },
    );
    return this.opening;
  }

  /** The backend once an open has succeeded, without waiting (an enqueue then needs no bound on opening). */
  current(): Backend | undefined {
    return this.opened_;
  }

  /**
   * The backend opened or being opened, without starting an open: what `close` must close. Undefined
   * before the first call and after a failed open (opening one only to close it would wait on a server
   * that is down).
   */
  opened(): Promise<Backend> | undefined {
    return this.opening;
  }

  /**
   * Retries with backoff until the backend opens; resolves undefined if `signal`
   * aborts first. Configuration errors are not retried: they reject at once.
   */
  async waitUntilOpen(signal: AbortSignal, logger: Logger): Promise<Backend | undefined> {
    for (let delayMs = firstRetryMs; !signal.aborted; delayMs = Math.min(delayMs * 2, maxRetryMs)) {
      try {
        // An open that hangs (a server that accepts and never answers) must not hold a stop: the abort ends the wait,
        // and the open, should it finish later, is closed with the rest.
        return await untilAborted(this.get(), signal);
      } catch (error) {
        if (ConfigurationError.isInstance(error)) throw error;
        logger.error(`cannot reach the backend; retrying in ${delayMs} ms`, { error });
        await abortableSleep(delayMs, signal);
      }
    }
    return undefined;
  }
}

/** `work`'s outcome, or undefined as soon as `signal` aborts. */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise<T | undefined>((resolve, reject) => {
    const aborted = () => resolve(undefined);
    signal.addEventListener("abort", aborted, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener("abort", aborted);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener("abort", aborted);
        reject(error);
      },
    );
  });
}
