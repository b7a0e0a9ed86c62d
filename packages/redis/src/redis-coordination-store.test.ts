import { randomUUID } from "node:crypto";
import { runCoordinationStoreSuite, runSchedulerEdgesSuite } from "@hopper/conformance";
import { describe } from "vitest";
import { createRedisCoordinationStore } from "./redis-coordination-store.js";
import { redisUrl } from "./test-redis-service.js";

describe.skipIf(!redisUrl)("redis coordination", () => {
  // A prefix per file keeps runs apart on the shared test server.
  const keyPrefix = `test-${randomUUID().slice(0, 8)}`;
  runCoordinationStoreSuite({ name: "redis", createStore: async () => createRedisCoordinationStore({ url: redisUrl!, keyPrefix }) });
  runSchedulerEdgesSuite({ name: "redis", createStore: async () => createRedisCoordinationStore({ url: redisUrl!, keyPrefix }) });
});
