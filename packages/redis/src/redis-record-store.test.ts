import { randomUUID } from "node:crypto";
import { runJobRecordsSuite, runRecordStoreSuite } from "@hopper/conformance";
import { describe } from "vitest";
import { createRedisBackend } from "./redis-backend.js";
import { createRedisRecordStore } from "./redis-record-store.js";
import { redisUrl } from "./test-redis-service.js";

describe.skipIf(!redisUrl)("redis records", () => {
  // A prefix per file keeps runs apart on the shared test server.
  const keyPrefix = `test-${randomUUID().slice(0, 8)}`;
  runRecordStoreSuite({ name: "redis", createStore: async () => createRedisRecordStore({ url: redisUrl!, keyPrefix }) });
  // The backend's own store (Backend.recordStore), as createHopper({ url, records: {} }) uses it.
  runJobRecordsSuite({ name: "redis", connect: async () => ({ backend: createRedisBackend({ url: redisUrl!, keyPrefix }) }) });
});
