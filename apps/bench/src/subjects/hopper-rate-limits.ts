import { ConfigurationError, Job, type JobClass, type RateLimitsOptions } from "@hopper/core";

export const benchRateLimitsModes = ["off", "others"] as const;
export type BenchRateLimitsMode = (typeof benchRateLimitsModes)[number];

/** A queue the bench never enqueues to: its limits exist only so that flow control is live. */
export const otherRateLimitedQueue = "bench-rate-limited-other";

/** A job the bench registers and never enqueues, with a limit of its own (per key). */
class BenchOtherLimited extends Job<{ tenant: string }> {
  static override jobName = "BenchOtherLimited";
  static override queue = otherRateLimitedQueue;
  static override rateLimit = { limit: 100, per: "1s", burst: 10, key: (args: { tenant: string }) => args.tenant };
  async perform(): Promise<void> {}
}

/**
 * HOPPER_BENCH_RATE_LIMITS: "off" (default) runs the Hopper subject with no rate limit anywhere;
 * "others" registers a rate-limited job on another queue and a queue override for that queue, so
 * flow control is live while the bench's own job has no limit: what a job with no limit pays for
 * the feature (issue #21: nothing).
 */
export function benchRateLimits(mode: string = "off"): { readonly mode: BenchRateLimitsMode; readonly jobs: readonly JobClass[]; readonly options: { rateLimits?: RateLimitsOptions } } {
  if (mode === "off") return { mode, jobs: [], options: {} };
  if (mode === "others") return { mode, jobs: [BenchOtherLimited], options: { rateLimits: { queues: { [otherRateLimitedQueue]: { limit: 50, per: "1s" } } } } };
  throw new ConfigurationError({ field: "HOPPER_BENCH_RATE_LIMITS", message: `must be one of ${benchRateLimitsModes.join(", ")}, got ${JSON.stringify(mode)}` });
}
