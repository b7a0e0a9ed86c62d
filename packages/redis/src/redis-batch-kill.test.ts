import { randomUUID } from "node:crypto";
import { runBatchKillSuite } from "@hopper/conformance";
import { describe } from "vitest";
import { redisUrl } from "./test-redis-service.js";

describe.skipIf(!redisUrl)("redis: a batch across a worker kill", () => {
  runBatchKillSuite({ name: "redis", backendUrl: `${redisUrl}?keyPrefix=test-${randomUUID().slice(0, 8)}` });
});
