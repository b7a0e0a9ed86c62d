// Test-only: the Redis services from the services tool. requireService skips loudly
// locally and fails under CI=true when one is missing.
import { requireService } from "@hopper/services";

export const redisUrl = requireService("redis")?.HOPPER_TEST_REDIS_URL;

export function redisClusterNodes(): string | undefined {
  return requireService("redis-cluster")?.HOPPER_TEST_REDIS_CLUSTER_NODES;
}
