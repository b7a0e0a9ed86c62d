import { ConfigurationError } from "@hopper/core";

export const benchRedisLeasesModes = ["message", "compact"] as const;
export type BenchRedisLeasesMode = (typeof benchRedisLeasesModes)[number];

/**
 * HOPPER_BENCH_REDIS_LEASES: "compact" (default, as @hopper/redis leases by default: its `compactLeases`) or
 * "message" (leases written into the message, given as the URL's `?compactLeases=false`), to compare the two. Only
 * a Redis URL changes.
 */
export function benchRedisLeases(mode: string = "compact"): { readonly mode: BenchRedisLeasesMode; readonly url: (url: string) => string } {
  if (mode === "compact") return { mode, url: (url) => url };
  if (mode === "message") return { mode, url: withLeasesInTheMessage };
  throw new ConfigurationError({ field: "HOPPER_BENCH_REDIS_LEASES", message: `must be one of ${benchRedisLeasesModes.join(", ")}, got ${JSON.stringify(mode)}` });
}

function withLeasesInTheMessage(url: string): string {
  const parsed = new URL(url);
  if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:") return url;
  parsed.searchParams.set("compactLeases", "false");
  return parsed.href;
}
