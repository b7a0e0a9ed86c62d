import { createMemoryRecordStore } from "@hopper/core";
import { runJobRecordsSuite } from "@hopper/conformance";
import { createPubSubBackend } from "./pubsub-backend.js";
import { emulatorProject } from "./test-pubsub-service.js";

const project = emulatorProject();

if (project) {
  // Every backend shares one prefix, so a second Hopper sees the first one's queues.
  const topicPrefix = `rec${Date.now().toString(36)}-`;
  // Pub/Sub keeps no records: they live in the store given to createHopper({ records: { store } }). A named memory store
  // stands in for a Redis or PostgreSQL one here (those run this suite in their own packages); every Hopper of the suite shares it.
  runJobRecordsSuite({ name: "pubsub (emulator)", connect: async () => ({ backend: createPubSubBackend({ projectId: project, topicPrefix }) }), createRecordStore: async () => createMemoryRecordStore({ store: "pubsub-records" }) });
}
