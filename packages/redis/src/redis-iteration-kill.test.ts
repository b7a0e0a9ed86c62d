import { randomUUID } from "node:crypto";
import { runIterationKillSuite } from "@hopper/conformance";
import { describe } from "vitest";
import { redisUrl } from "./test-redis-service.js";

describe.skipIf(!redisUrl)("redis: iterable job across a worker kill", () => {
  runIterationKillSuite({ name: "redis", backendUrl: `${redisUrl}?keyPrefix=test-${randomUUID().slice(0, 8)}` });
});
