import { runConformanceSuite } from "@hopper/conformance";
import { describe } from "vitest";
import { createRedisBackend } from "./redis-backend.js";
import { redisUrl } from "./test-redis-service.js";

if (redisUrl) {
  runConformanceSuite({ name: "redis", createBackend: async () => createRedisBackend({ url: redisUrl }) });
} else {
  describe.skip("conformance: redis (HOPPER_TEST_REDIS_URL not set)", () => {});
}
