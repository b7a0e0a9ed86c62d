import { ConfigurationError } from "./errors/configuration-error.js";
import { RetryLaterError } from "./errors/retry-later-error.js";
import { UnrecoverableError } from "./errors/unrecoverable-error.js";
import { toMilliseconds, type Duration } from "./duration.js";
import type { FailureOutcome } from "./middleware.js";

/** How long to wait before attempt `attempt + 1`, after attempt `attempt` failed. */
export type WaitStrategy = "exponential" | "polynomial" | Duration | ((attempt: number, error: unknown) => number);

export interface RetryOptions {
  /** Total runs, the first included. Default 10. */
  readonly attempts?: number;
  /** Default "exponential": 1 s, 2 s, 4 s … capped at 1 h. */
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

export function validateRetryOptions(options: RetryOptions | undefined, field: string): void {
  if (options === undefined) return;
  validateRule({ kind: "retry", error: Error, attempts: options.attempts ?? defaults.attempts, wait: options.wait ?? defaults.wait, jitter: options.jitter ?? defaults.jitter }, field);
}

function validateRule(rule: Extract<RetryRule, { kind: "retry" }>, field: string): void {
  if (!Number.isSafeInteger(rule.attempts) || rule.attempts < 1) {
    throw new ConfigurationError({ field: `${field}.attempts`, message: `must be an integer ≥ 1 (total runs, the first included), got ${rule.attempts}` });
  }
  if (!(rule.jitter >= 0 && rule.jitter <= 1)) {
    throw new ConfigurationError({ field: `${field}.jitter`, message: `must be a fraction between 0 and 1, got ${rule.jitter}` });
  }
  if (typeof rule.wait === "string" && rule.wait !== "exponential" && rule.wait !== "polynomial") toMilliseconds(rule.wait, `${field}.wait`);
  if (typeof rule.wait === "number") toMilliseconds(rule.wait, `${field}.wait`);
}

/** Decides what happens to a job whose run number `attempt` threw `error`. */
export function decideRetry(options: RetryOptions | undefined, error: unknown, attempt: number, random: () => number = Math.random): RetryDecision {
  if (RetryLaterError.isInstance(error)) return { action: "retry", delayMs: error.delayMs, countsAsAttempt: false };
  if (UnrecoverableError.isInstance(error)) return { action: "dead", reason: "unrecoverable error" };
  const rule = options?.rules?.find((candidate) => error instanceof candidate.error);
  if (rule?.kind === "discard") return { action: "discard", reason: `discardOn(${rule.error.name})` };
  const policy = rule ?? { attempts: options?.attempts ?? defaults.attempts, wait: options?.wait ?? defaults.wait, jitter: options?.jitter ?? defaults.jitter };
  if (attempt >= policy.attempts) return { action: "dead", reason: `attempts exhausted (${attempt} of ${policy.attempts})` };
  const baseMs = waitMilliseconds(policy.wait, attempt, error);
  const spread = baseMs * policy.jitter * (2 * random() - 1);
  return { action: "retry", delayMs: Math.max(0, Math.round(baseMs + spread)), countsAsAttempt: true };
}

function waitMilliseconds(wait: WaitStrategy, attempt: number, error: unknown): number {
  if (typeof wait === "function") return wait(attempt, error);
  if (wait === "exponential") return Math.min(1000 * 2 ** (attempt - 1), maxExponentialWaitMs);
  // Sidekiq's curve: attempt⁴ + 15 s.
  if (wait === "polynomial") return (attempt ** 4 + 15) * 1000;
  return toMilliseconds(wait, "retry.wait");
}
