import { createMemoryRecordStore } from "@hopper/core";
import { runJobRecordsSuite } from "@hopper/conformance";
import { createTestBackend, sqsEndpoint } from "./test-sqs-service.js";

if (sqsEndpoint) {
  const endpoint = sqsEndpoint;
  // SQS keeps no records: they live in the store given to createHopper({ records: { store } }). A named memory store
  // stands in for a Redis or PostgreSQL one here (those run this suite in their own packages); every Hopper of the suite shares it.
  runJobRecordsSuite({ name: "sqs (fauxqs)", connect: async () => ({ backend: createTestBackend(endpoint) }), createRecordStore: async () => createMemoryRecordStore({ store: "sqs-records" }) });
}
