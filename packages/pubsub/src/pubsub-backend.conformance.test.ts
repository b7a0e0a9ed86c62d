import { describe } from "vitest";
import { runConformanceSuite } from "@hopper/conformance";
import { createPubSubBackend } from "./pubsub-backend.js";
import { emulatorProject } from "./test-pubsub-service.js";

const project = emulatorProject();

if (project) {
  // Every backend a test creates shares one prefix, so a second backend sees the first one's queues.
  const topicPrefix = `conf${Date.now().toString(36)}-`;
  runConformanceSuite({ name: "pubsub (emulator)", createBackend: async () => createPubSubBackend({ projectId: project, topicPrefix }) });
} else {
  describe.skip("conformance: pubsub (emulator not available)", () => {});
}
