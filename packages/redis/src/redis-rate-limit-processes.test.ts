import { randomUUID } from "node:crypto";
import { runRateLimitProcessSuite } from "@hopper/conformance";
import { describe } from "vitest";
import { redisUrl } from "./test-redis-service.js";

describe.skipIf(!redisUrl)("redis rate limit across processes", () => {
  const keyPrefix = `test-${randomUUID().slice(0, 8)}`;
  runRateLimitProcessSuite({
    name: "redis",
    backendUrl: `${redisUrl}?keyPrefix=${keyPrefix}`,
    coordination: { module: "@hopper/redis", factory: "createRedisCoordinationStore", options: { url: redisUrl, keyPrefix } },
  });
});
