import { randomUUID } from "node:crypto";
import { runUniqueJobSuite } from "@hopper/conformance";
import { describe } from "vitest";
import { redisUrl } from "./test-redis-service.js";

// Unique jobs on Redis, and on SQS and Pub/Sub (no dedupe, or a 5-minute window) with their keys held in Redis.
describe.skipIf(!redisUrl)("unique jobs with a Redis coordination store", () => {
  const keyPrefix = `test-${randomUUID().slice(0, 8)}`;
  const coordination = { module: "@hopper/redis", factory: "createRedisCoordinationStore", options: { url: redisUrl, keyPrefix } };
  runUniqueJobSuite({ name: "redis", backendUrl: `${redisUrl}?keyPrefix=${keyPrefix}`, coordination });
  // The phantom-key case stalls the send with a stand-in: what it tests is the core and this store, run once above.
  const phantomKeyCoveredBy = "the redis suite on this store";

  const sqsEndpoint = process.env.HOPPER_TEST_SQS_ENDPOINT;
  if (sqsEndpoint) runUniqueJobSuite({ name: "sqs", backendUrl: `sqs://default/${keyPrefix}-?endpoint=${encodeURIComponent(sqsEndpoint)}&createQueues=true`, coordination, runTimeoutMs: 40_000, phantomKeyCoveredBy });
  else console.warn("[hopper] unique jobs on SQS skipped: HOPPER_TEST_SQS_ENDPOINT not set (pnpm services up sqs)");

  const pubsubProject = process.env.HOPPER_TEST_PUBSUB_PROJECT;
  if (pubsubProject && process.env.PUBSUB_EMULATOR_HOST) runUniqueJobSuite({ name: "pubsub", backendUrl: `pubsub://${pubsubProject}?topicPrefix=${keyPrefix}-`, coordination, runTimeoutMs: 40_000, phantomKeyCoveredBy });
  else console.warn("[hopper] unique jobs on Pub/Sub skipped: PUBSUB_EMULATOR_HOST not set (pnpm services up pubsub)");
});
