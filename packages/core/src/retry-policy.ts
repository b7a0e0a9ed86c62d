import { ConfigurationError } from "./errors/configuration-error.js";
import { RetryLaterError } from "./errors/retry-later-error.js";
import { UnrecoverableError } from "./errors/unrecoverable-error.js";
import { MAX_DURATION_MS, toMilliseconds, type Duration } from "./duration.js";
import type { FailureOutcome } from "./middleware.js";
import { optionKeysOf, rejectUnknownOptions } from "./option-keys.js";

/** How long to wait before attempt `attempt + 1`, after attempt `attempt` failed. */
export type WaitStrategy = "exponential" | "polynomial" | Duration | ((attempt: number, error: unknown) => number);

export interface RetryOptions {
  /** Total runs, the first included. Default 10. */
  readonly attempts?: number;
  /**
   * Default "exponential": 1 s, 2 s, 4 s … capped at 1 h. A function's answer is capped at 100 years; one that is
   * not a number ≥ 0 (or a function that throws) gets the exponential wait, so a failed job is always settled.
   */
  readonly wait?: WaitStrategy;
  /** Spread each wait by ±this fraction, so failures do not retry in lockstep. Default 0.2. */
  readonly jitter?: number;
  /** Per-error rules, tried in order before the default policy. */
  readonly rules?: readonly RetryRule[];
}

type ErrorClass = abstract new (...args: never[]) => Error;

export type RetryRule =
  | { readonly kind: "retry"; readonly error: ErrorClass; readonly attempts: number; readonly wait: WaitStrategy; readonly jitter: number }
  | { readonly kind: "discard"; readonly error: ErrorClass };

/** Retry on `error` up to `attempts` runs in all, waiting by `wait` (ActiveJob's retry_on). */
export function retryOn(error: ErrorClass, options: { attempts?: number; wait?: WaitStrategy; jitter?: number } = {}): RetryRule {
  const rule: RetryRule = { kind: "retry", error, attempts: options.attempts ?? 5, wait: options.wait ?? "exponential", jitter: options.jitter ?? 0.2 };
  validateRule(rule, `retryOn(${error.name})`);
  return rule;
}

/** Drop the job without retrying or dead-lettering when `error` is thrown (ActiveJob's discard_on). */
export function discardOn(error: ErrorClass): RetryRule {
  return { kind: "discard", error };
}

export type RetryDecision =
  | { readonly action: "retry"; readonly delayMs: number; readonly countsAsAttempt: boolean }
  | { readonly action: "dead"; readonly reason: string }
  | { readonly action: "discard"; readonly reason: string };

/** The decision as middleware sees it (a retry that does not count as an attempt is still "retrying"). */
export function failureOutcomeOf(decision: RetryDecision): FailureOutcome {
  return decision.action === "retry" ? "retrying" : decision.action === "dead" ? "dead" : "discarded";
}

const defaults = { attempts: 10, wait: "exponential", jitter: 0.2 } as const;
const maxExponentialWaitMs = 60 * 60 * 1000;

const retryOptionKeys = optionKeysOf<RetryOptions>({ attempts: true, wait: true, jitter: true, rules: true });
/** The longest retry wait: a delay added to now must stay a date. */
const maxWaitMs = 100 * 365 * 86_400_000;

export function validateRetryOptions(options: RetryOptions | undefined, field: string): void {
  if (options === undefined) return;
  if (typeof options !== "object" || options === null) throw new ConfigurationError({ field, message: `give { attempts, wait, jitter, rules }, got ${JSON.stringify(options)}` });
  rejectUnknownOptions(options, retryOptionKeys, field, `${field}.`);
  validateRule({ kind: "retry", error: Error, attempts: options.attempts ?? defaults.attempts, wait: options.wait ?? defaults.wait, jitter: options.jitter ?? defaults.jitter }, field);
  if (options.rules === undefined) return;
  if (!Array.isArray(options.rules)) throw new ConfigurationError({ field: `${field}.rules`, message: "give a list of retryOn(…) and discardOn(…) rules" });
  options.rules.forEach((rule: unknown, index) => {
    const kind = (rule as { kind?: unknown } | null)?.kind;
    if ((kind !== "retry" && kind !== "discard") || typeof (rule as { error?: unknown }).error !== "function") {
      throw new ConfigurationError({ field: `${field}.rules[${index}]`, message: "must be retryOn(ErrorClass, …) or discardOn(ErrorClass)" });
    }
  });
}

function validateRule(rule: Extract<RetryRule, { kind: "retry" }>, field: string): void {
  if (!Number.isSafeInteger(rule.attempts) || rule.attempts < 1) {
    throw new ConfigurationError({ field: `${field}.attempts`, message: `must be an integer ≥ 1 (total runs, the first included), got ${rule.attempts}` });
  }
  if (!(rule.jitter >= 0 && rule.jitter <= 1)) {
    throw new ConfigurationError({ field: `${field}.jitter`, message: `must be a fraction between 0 and 1, got ${rule.jitter}` });
  }
  const { wait } = rule;
  if (wait === "exponential" || wait === "polynomial" || typeof wait === "function") return;
  if (typeof wait !== "string" && typeof wait !== "number") {
    throw new ConfigurationError({ field: `${field}.wait`, message: `must be "exponential", "polynomial", a duration such as "30s", or a function (attempt, error) => milliseconds; got ${JSON.stringify(wait) ?? typeof wait}` });
  }
  toMilliseconds(wait, `${field}.wait`);
}

/** Decides what happens to a job whose run number `attempt` threw `error`. */
export function decideRetry(options: RetryOptions | undefined, error: unknown, attempt: number, random: () => number = Math.random): RetryDecision {
  // Held within a delay the clock can hold: an instance from another copy of the library may carry any number.
  if (RetryLaterError.isInstance(error)) return { action: "retry", delayMs: withinDurationRange(error.delayMs), countsAsAttempt: false };
  if (UnrecoverableError.isInstance(error)) return { action: "dead", reason: "unrecoverable error" };
  const rule = options?.rules?.find((candidate) => error instanceof candidate.error);
  if (rule?.kind === "discard") return { action: "discard", reason: `discardOn(${rule.error.name})` };
  const policy = rule ?? { attempts: options?.attempts ?? defaults.attempts, wait: options?.wait ?? defaults.wait, jitter: options?.jitter ?? defaults.jitter };
  if (attempt >= policy.attempts) return { action: "dead", reason: `attempts exhausted (${attempt} of ${policy.attempts})` };
  // "polynomial" grows without bound (attempt⁴): past a thousand years no date can hold it.
  const baseMs = Math.min(waitMilliseconds(policy.wait, attempt, error), MAX_DURATION_MS);
  const spread = baseMs * policy.jitter * (2 * random() - 1);
  return { action: "retry", delayMs: Math.max(0, Math.round(baseMs + spread)), countsAsAttempt: true };
}

function waitMilliseconds(wait: WaitStrategy, attempt: number, error: unknown): number {
  if (typeof wait === "function") return functionWaitMilliseconds(wait, attempt, error);
  if (wait === "exponential") return exponentialWaitMilliseconds(attempt);
  // Sidekiq's curve: attempt⁴ + 15 s.
  if (wait === "polynomial") return (attempt ** 4 + 15) * 1000;
  return toMilliseconds(wait, "retry.wait");
}

function exponentialWaitMilliseconds(attempt: number): number {
  return Math.min(1000 * 2 ** (attempt - 1), maxExponentialWaitMs);
}

/** The application's wait function, answered safely: a job whose retry cannot be scheduled would stay leased until its lease ends. */
function functionWaitMilliseconds(wait: (attempt: number, error: unknown) => number, attempt: number, error: unknown): number {
  let milliseconds: unknown;
  try {
    milliseconds = wait(attempt, error);
  } catch {
    return exponentialWaitMilliseconds(attempt);
  }
  if (typeof milliseconds !== "number" || !Number.isFinite(milliseconds) || milliseconds < 0) return exponentialWaitMilliseconds(attempt);
  return Math.min(milliseconds, maxWaitMs);
}

function withinDurationRange(delayMs: number): number {
  return Number.isFinite(delayMs) ? Math.min(Math.max(0, Math.round(delayMs)), MAX_DURATION_MS) : delayMs > 0 ? MAX_DURATION_MS : 0;
}
