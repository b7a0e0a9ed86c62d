import { randomUUID } from "node:crypto";
import { runBatchSuite } from "@hopper/conformance";
import { describe } from "vitest";
import { createRedisBackend } from "./redis-backend.js";
import { createRedisCoordinationStore } from "./redis-coordination-store.js";
import { redisUrl } from "./test-redis-service.js";

describe.skipIf(!redisUrl)("redis batches", () => {
  // A prefix per file keeps runs apart on the shared test server.
  const keyPrefix = `test-${randomUUID().slice(0, 8)}`;
  runBatchSuite({
    name: "redis",
    connect: async () => ({ backend: createRedisBackend({ url: redisUrl!, keyPrefix }) }),
    createCoordinationStore: async () => createRedisCoordinationStore({ url: redisUrl!, keyPrefix }),
  });
});
