import { ConfigurationError } from "@hopper/core";

export const benchRedisLeasesModes = ["message", "compact"] as const;
export type BenchRedisLeasesMode = (typeof benchRedisLeasesModes)[number];

/**
 * HOPPER_BENCH_REDIS_LEASES: "message" (default, as @hopper/redis leases by default) or "compact" (the Redis
 * backend's `compactLeases`, given as the URL's `?compactLeases=true`), to compare the two. Only a Redis URL changes.
 */
export function benchRedisLeases(mode: string = "message"): { readonly mode: BenchRedisLeasesMode; readonly url: (url: string) => string } {
  if (mode === "message") return { mode, url: (url) => url };
  if (mode === "compact") return { mode, url: withCompactLeases };
  throw new ConfigurationError({ field: "HOPPER_BENCH_REDIS_LEASES", message: `must be one of ${benchRedisLeasesModes.join(", ")}, got ${JSON.stringify(mode)}` });
}

function withCompactLeases(url: string): string {
  const parsed = new URL(url);
  if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:") return url;
  parsed.searchParams.set("compactLeases", "true");
  return parsed.href;
}
