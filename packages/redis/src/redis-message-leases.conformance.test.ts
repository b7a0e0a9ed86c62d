import { runConformanceSuite } from "@hopper/conformance";
import { describe } from "vitest";
import { createRedisBackend } from "./redis-backend.js";
import { redisUrl } from "./test-redis-service.js";

// The whole contract again with leases written into the message (compactLeases: false, the default before the
// release after 2026-12-06, and still how jobs with an ordering or dedupe key, or taken with records, are leased).
if (redisUrl) {
  runConformanceSuite({ name: "redis (leases in the message)", createBackend: async () => createRedisBackend({ url: redisUrl, compactLeases: false }) });
} else {
  describe.skip("conformance: redis with leases in the message (HOPPER_TEST_REDIS_URL not set)", () => {});
}
