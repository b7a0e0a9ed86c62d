import { randomUUID } from "node:crypto";
import { runWorkerRegistryProcessSuite } from "@hopper/conformance";
import { describe } from "vitest";
import { redisUrl } from "./test-redis-service.js";

describe.skipIf(!redisUrl)("redis worker registry", () => {
  const keyPrefix = `test-${randomUUID().slice(0, 8)}`;
  runWorkerRegistryProcessSuite({
    name: "redis",
    backendUrl: `${redisUrl}?keyPrefix=${keyPrefix}`,
    coordination: { module: "@hopper/redis", factory: "createRedisCoordinationStore", options: { url: redisUrl, keyPrefix } },
  });
});
