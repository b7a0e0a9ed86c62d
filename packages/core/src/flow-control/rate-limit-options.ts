import type { QueueNeed } from "../job-needs.js";
import { toMilliseconds, type Duration } from "../duration.js";
import { ConfigurationError } from "../errors/configuration-error.js";
import { keyFor } from "../coordination/job-coordination-options.js";

/**
 * `static rateLimit`: at most `limit` starts per `per`, across every worker and push
 * handler sharing the coordination store (GCRA: starts are spaced `per / limit` apart;
 * an idle bucket lets `burst` start at once). Any span of `per` sees at most
 * `limit + burst − 1` starts.
 */
export interface RateLimitOptions<Args = any> {
  /** Starts per `per`: an integer from 1 to 1,000,000. */
  readonly limit: number;
  /** The period, e.g. "1s", "1m", or milliseconds. */
  readonly per: Duration;
  /** Starts an idle bucket allows at once. Default 1: starts are evenly spaced and no span of `per` sees more than `limit`. */
  readonly burst?: number;
  /** One bucket per key, e.g. `(args) => args.tenantId`; runs at enqueue too, so a bad key is refused there. */
  readonly key?: (args: Args) => string;
}

/** `createHopper({ rateLimits })`: settings every process sharing the coordination store should share. */
export interface RateLimitsOptions {
  /**
   * Per queue, a limit in place of the jobs' own for jobs run from that queue
   * (one bucket for the queue, or per key, across all its jobs), or `false`
   * to run that queue's jobs without their limits.
   */
  readonly queues?: Readonly<Record<string, RateLimitOptions | false>>;
}

export interface ResolvedRateLimit {
  /** The coordination key's prefix; a key function's value follows it. */
  readonly bucket: string;
  readonly intervalMs: number;
  readonly burst: number;
  readonly key?: (args: unknown) => string;
  /** Names the options in errors, e.g. "SendInvoice.rateLimit". */
  readonly field: string;
}

const optionKeys = new Set(["limit", "per", "burst", "key"]);

export function resolveRateLimit(options: RateLimitOptions | undefined, field: string, bucket: string): ResolvedRateLimit | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== "object" || options === null) throw new ConfigurationError({ field, message: 'must be an object such as { limit: 100, per: "1s" }' });
  for (const name of Object.keys(options)) {
    if (!optionKeys.has(name)) throw new ConfigurationError({ field: `${field}.${name}`, message: "is not a rate limit option: use limit, per, burst and key" });
  }
  const { limit } = options;
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > 1_000_000) {
    throw new ConfigurationError({ field: `${field}.limit`, message: `must be an integer from 1 to 1000000, got ${JSON.stringify(limit)}` });
  }
  if (options.per === undefined) throw new ConfigurationError({ field: `${field}.per`, message: 'is required: the period the limit counts over, e.g. "1s" or "1m"' });
  const perMs = toMilliseconds(options.per, `${field}.per`);
  if (perMs < 1) throw new ConfigurationError({ field: `${field}.per`, message: `must be at least 1ms, got ${JSON.stringify(options.per)}` });
  const burst = options.burst ?? 1;
  if (!Number.isSafeInteger(burst) || burst < 1 || burst > limit) {
    throw new ConfigurationError({ field: `${field}.burst`, message: `must be an integer from 1 to the limit (${limit}), got ${JSON.stringify(burst)}` });
  }
  if (options.key !== undefined && typeof options.key !== "function") {
    throw new ConfigurationError({ field: `${field}.key`, message: "must be a function of the job's args returning a string, e.g. (args) => args.tenantId" });
  }
  return { bucket, intervalMs: perMs / limit, burst, field, ...(options.key && { key: options.key as (args: unknown) => string }) };
}

/** The per-queue overrides: a limit, or null for "no limit on this queue". */
export function resolveQueueRateLimits(options: RateLimitsOptions | undefined): Map<string, ResolvedRateLimit | null> {
  const resolved = new Map<string, ResolvedRateLimit | null>();
  if (options === undefined) return resolved;
  if (typeof options !== "object" || options === null) throw new ConfigurationError({ field: "rateLimits", message: 'must be an object such as { queues: { payments: { limit: 100, per: "1s" } } }' });
  for (const name of Object.keys(options)) {
    if (name !== "queues") throw new ConfigurationError({ field: `rateLimits.${name}`, message: "is not an option: rateLimits takes { queues }" });
  }
  for (const [queue, limit] of Object.entries(options.queues ?? {})) {
    const field = `rateLimits.queues.${queue}`;
    if (limit === false) resolved.set(queue, null);
    else if (typeof limit !== "object" || limit === null) throw new ConfigurationError({ field, message: `must be a limit such as { limit: 100, per: "1s" }, or false for none, got ${JSON.stringify(limit)}` });
    else resolved.set(queue, resolveRateLimit(limit, field, `queue:${queue}`)!);
  }
  return resolved;
}

/** Each queue given a limit of its own needs a store every process shares, or the limit would hold per process only. */
export function queueRateLimitNeeds(limits: ReadonlyMap<string, ResolvedRateLimit | null>): QueueNeed[] {
  return [...limits].filter(([, limit]) => limit !== null).map(([queue]) => ({ need: "coordination", queue, field: `rateLimits.queues.${queue}` }));
}

/** The coordination key of the bucket `args` fall in; a key function that throws or returns a non-string is a ConfigurationError naming it. */
export function rateLimitStoreKey(limit: ResolvedRateLimit, args: unknown): string {
  if (!limit.key) return `rate:${limit.bucket}`;
  let key: string;
  try {
    key = keyFor(limit.key, args, limit.field);
  } catch (error) {
    if (ConfigurationError.isInstance(error)) throw error;
    throw new ConfigurationError({ field: `${limit.field}.key`, message: `threw for these args: ${(error as Error)?.message ?? String(error)}`, cause: error });
  }
  return `rate:${limit.bucket}:${key}`;
}
