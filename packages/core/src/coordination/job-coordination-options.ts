import { MAX_TIMER_MS, toMilliseconds, type Duration } from "../duration.js";
import { optionKeysOf, rejectUnknownOptions } from "../option-keys.js";
import { keyTextProblem } from "../key-text.js";
import { ConfigurationError } from "../errors/configuration-error.js";

/** `static concurrency`: at most `limit` performs at once per key, across every worker sharing the coordination store. */
export interface ConcurrencyOptions<Args = any> {
  /** The key jobs contend on, e.g. `(args) => args.accountId`. */
  readonly key: (args: Args) => string;
  /** Performs at once per key. Default 1 (a mutex). */
  readonly limit?: number;
  /** How long a slot outlives a worker that stopped renewing it (crashed); renewed while the job runs. Default "30s". */
  readonly lease?: Duration;
  /** How long a job that found every slot taken waits before it is offered again (with ±50% jitter). Default "1s". */
  readonly retryAfter?: Duration;
}

/** `static unique`: while a job with the same key is queued (and, with `until: "finished"`, running), enqueuing another returns the first one's id. */
export interface UniqueOptions<Args = any> {
  readonly key: (args: Args) => string;
  /** When the key is freed: as perform starts, or once the job has finished (succeeded, discarded or dead-lettered). Default "finished". */
  readonly until?: "started" | "finished";
  /** The key is freed after this long whatever happened (a lost job cannot block it for ever). Default "1h". */
  readonly ttl?: Duration;
}

export interface ResolvedConcurrency {
  readonly key: (args: unknown) => string;
  readonly limit: number;
  readonly leaseMs: number;
  readonly retryAfterMs: number;
}

export interface ResolvedUnique {
  readonly key: (args: unknown) => string;
  readonly until: "started" | "finished";
  readonly ttlMs: number;
}

const maxKeyLength = 256;
const concurrencyOptionKeys = optionKeysOf<ConcurrencyOptions>({ key: true, limit: true, lease: true, retryAfter: true });
const uniqueOptionKeys = optionKeysOf<UniqueOptions>({ key: true, until: true, ttl: true });

export function resolveConcurrency(options: ConcurrencyOptions | undefined, field: string): ResolvedConcurrency | undefined {
  if (options === undefined) return undefined;
  checkObject(options, field, "{ key: (args) => args.accountId, limit: 1, lease: \"30s\" }");
  // A misspelt option (`limt`, `retryAfer`) would leave its default in silence.
  rejectUnknownOptions(options, concurrencyOptionKeys, "concurrency", `${field}.`);
  const limit = options.limit ?? 1;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > 10_000) {
    throw new ConfigurationError({ field: `${field}.limit`, message: `must be an integer from 1 to 10000, got ${JSON.stringify(limit)}` });
  }
  // Renewed every third of it by a timer: past three times Node's longest timer, the renewal would fire every millisecond.
  const leaseMs = toMilliseconds(options.lease ?? "30s", `${field}.lease`);
  if (leaseMs < 100 || leaseMs / 3 > MAX_TIMER_MS) throw new ConfigurationError({ field: `${field}.lease`, message: `must be from 100ms (the slot is renewed at a third of it) to ${3 * MAX_TIMER_MS} ms (about 74 days), got ${JSON.stringify(options.lease)}` });
  // A job that finds every slot taken is offered again after this: at 0 it would spin on the store.
  const retryAfterMs = toMilliseconds(options.retryAfter ?? "1s", `${field}.retryAfter`);
  if (retryAfterMs < 100) throw new ConfigurationError({ field: `${field}.retryAfter`, message: `must be at least 100ms (a job finding every slot taken is not spun on), got ${JSON.stringify(options.retryAfter)}` });
  return { key: checkKeyFunction(options.key, field), limit, leaseMs, retryAfterMs };
}

export function resolveUnique(options: UniqueOptions | undefined, field: string): ResolvedUnique | undefined {
  if (options === undefined) return undefined;
  checkObject(options, field, "{ key: (args) => args.orderId, until: \"finished\", ttl: \"1h\" }");
  rejectUnknownOptions(options, uniqueOptionKeys, "unique", `${field}.`);
  const until = options.until ?? "finished";
  if (until !== "started" && until !== "finished") {
    throw new ConfigurationError({ field: `${field}.until`, message: `must be "started" or "finished", got ${JSON.stringify(until)}` });
  }
  const ttlMs = toMilliseconds(options.ttl ?? "1h", `${field}.ttl`);
  if (ttlMs < 1) throw new ConfigurationError({ field: `${field}.ttl`, message: "must be longer than 0" });
  return { key: checkKeyFunction(options.key, field), until, ttlMs };
}

/** Runs a job's key function on its args and checks what it returned. */
export function keyFor(keyFunction: (args: unknown) => string, args: unknown, field: string): string {
  const key = keyFunction(args);
  const problem = keyTextProblem(key, maxKeyLength);
  if (problem !== undefined) throw new ConfigurationError({ field: `${field}.key`, message: `must return ${problem}` });
  return key;
}

function checkObject(options: unknown, field: string, example: string): void {
  if (typeof options !== "object" || options === null) throw new ConfigurationError({ field, message: `must be an object such as ${example}` });
}

function checkKeyFunction(key: unknown, field: string): (args: unknown) => string {
  if (typeof key !== "function") throw new ConfigurationError({ field: `${field}.key`, message: "must be a function of the job's args returning a string, e.g. (args) => args.accountId" });
  return key as (args: unknown) => string;
}

/**
 * A job's name as the middle part of a coordination key (`unique:<name>:<key>`, `concurrency:…`, `rate:job:…`):
 * its `:` written `%3A` (`%` never appears in a job name), so `billing:invoice` with key `x` and `billing` with key
 * `invoice:x` no longer share a key. Names without `:` (almost all) keep the key they always had.
 */
export function jobKeyPart(jobName: string): string {
  return jobName.includes(":") ? jobName.replaceAll(":", "%3A") : jobName;
}
