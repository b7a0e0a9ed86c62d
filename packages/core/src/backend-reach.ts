import type { Backend } from "./backend/backend.js";
import { BackendUnavailableError } from "./errors/backend-unavailable-error.js";
import { ConfigurationError } from "./errors/configuration-error.js";

/** How long enqueue waits on a backend that does not answer, and the URL to name (redacted by the error). */
export interface ReachBound {
  readonly url: string | undefined;
  readonly timeoutMs: number;
}

// Node's errors for a server that is down, unknown or cut off; gRPC's UNAVAILABLE status.
const connectionErrorCodes = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "EHOSTDOWN", "ENOTFOUND", "EAI_AGAIN", "EPIPE", "ECONNABORTED"]);
const grpcUnavailable = 14;

/** Whether `error`, or an error inside it (cause, AggregateError), says the server could not be reached. */
export function isConnectionFailure(error: unknown, depth = 0): boolean {
  if (typeof error !== "object" || error === null || depth > 5) return false;
  if (BackendUnavailableError.isInstance(error)) return true;
  const { code, cause, errors } = error as { code?: unknown; cause?: unknown; errors?: unknown };
  if ((typeof code === "string" && connectionErrorCodes.has(code)) || code === grpcUnavailable) return true;
  return isConnectionFailure(cause, depth + 1) || (Array.isArray(errors) && errors.some((inner) => isConnectionFailure(inner, depth + 1)));
}

/** Opens the backend within the bound; a failure other than bad configuration means it cannot be used now. */
export async function openWithinBound(open: () => Promise<Backend>, bound: ReachBound): Promise<Backend> {
  try {
    return await withinBound(bound, () => open());
  } catch (error) {
    throw openFailure(error, bound.url);
  }
}

/**
 * What a failed open is reported as: configuration errors as they are, anything
 * else as BackendUnavailableError (never the driver's raw error). `during` is
 * "enqueue" when the open was for an enqueue, whose caller must hear the job did not go.
 */
export function openFailure(error: unknown, url: string | undefined, during: "enqueue" | "open" = "enqueue"): unknown {
  if (ConfigurationError.isInstance(error) || BackendUnavailableError.isInstance(error)) return error;
  return new BackendUnavailableError({ url, cause: error, during });
}

/**
 * Runs `work`, failing with BackendUnavailableError once `timeoutMs` pass
 * without progress (`work` calls `progress` on each answer, so a large batch
 * that keeps moving is never cut short). Work already sent cannot be taken
 * back: a late answer still lands, and is ignored here; `signal` aborts when
 * the bound gives up, so work not yet sent can be dropped.
 */
export async function withinBound<T>(bound: ReachBound, work: (progress: () => void, signal: AbortSignal) => Promise<T>): Promise<T> {
  let lastProgress = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const giveUp = new AbortController();
  const stalled = new Promise<never>((_resolve, reject) => {
    const check = () => {
      const idleMs = Date.now() - lastProgress;
      if (idleMs < bound.timeoutMs) {
        timer = setTimeout(check, bound.timeoutMs - idleMs);
        return;
      }
      const error = unansweredWithin(bound);
      reject(error);
      giveUp.abort(error);
    };
    timer = setTimeout(check, bound.timeoutMs);
  });
  const running = work(() => {
    lastProgress = Date.now();
  }, giveUp.signal);
  running.catch(() => {});
  stalled.catch(() => {});
  try {
    return await Promise.race([running, stalled]);
  } finally {
    clearTimeout(timer);
  }
}

/** The error of a call that `bound.timeoutMs` passed without an answer. */
export function unansweredWithin(bound: ReachBound): BackendUnavailableError {
  return new BackendUnavailableError({ url: bound.url, timeoutMs: bound.timeoutMs, cause: new Error(`no answer from the backend within ${bound.timeoutMs} ms`) });
}
