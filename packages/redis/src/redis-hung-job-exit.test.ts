import { randomUUID } from "node:crypto";
import { runHungJobExitSuite } from "@hopper/conformance";
import { describe } from "vitest";
import { redisUrl } from "./test-redis-service.js";

describe.skipIf(!redisUrl)("redis: exit on a hung job", () => {
  runHungJobExitSuite({ name: "redis", backendUrl: `${redisUrl}?keyPrefix=test-${randomUUID().slice(0, 8)}` });
});
