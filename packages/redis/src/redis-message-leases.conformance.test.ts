import { runConformanceSuite } from "@hopper/conformance";
import { describe } from "vitest";
import { createRedisBackend } from "./redis-backend.js";
import { redisUrl } from "./test-redis-service.js";

// The whole contract again with compact leases (RedisBackendOptions.compactLeases): plain jobs leased by the member alone.
if (redisUrl) {
  runConformanceSuite({ name: "redis (compact leases)", createBackend: async () => createRedisBackend({ url: redisUrl, compactLeases: true }) });
} else {
  describe.skip("conformance: redis with compact leases (HOPPER_TEST_REDIS_URL not set)", () => {});
}
