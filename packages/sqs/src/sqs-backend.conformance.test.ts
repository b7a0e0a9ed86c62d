import { describe } from "vitest";
import { runConformanceSuite } from "@hopper/conformance";
import { createTestBackend, sqsEndpoint } from "./test-sqs-service.js";

// Gaps of the emulator (fauxqs) that a scenario would expose are listed in the README.
if (sqsEndpoint) {
  const endpoint = sqsEndpoint;
  runConformanceSuite({ name: "sqs (fauxqs)", createBackend: async () => createTestBackend(endpoint) });
  runConformanceSuite({ name: "sqs fifo (fauxqs)", createBackend: async () => createTestBackend(endpoint, { fifo: true }) });
} else {
  describe.skip("conformance: sqs (HOPPER_TEST_SQS_ENDPOINT not set)", () => {});
}
