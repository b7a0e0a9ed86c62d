import { describe } from "vitest";
import { runConformanceSuite } from "@hopper/conformance";
import { createTestBackend, sqsEndpoint } from "./test-sqs-service.js";

// Gaps of the emulator (fauxqs) that a scenario would expose are listed in the README.
// Real SQS accepts every valid Unicode character; fauxqs checks UTF-16 units one by one.
const knownServerGaps = { "bodies keep characters beyond U+FFFF (emoji) byte for byte": "fauxqs rejects characters beyond U+FFFF (InvalidMessageContents)" };

if (sqsEndpoint) {
  const endpoint = sqsEndpoint;
  runConformanceSuite({ name: "sqs (fauxqs)", createBackend: async () => createTestBackend(endpoint), knownServerGaps });
  runConformanceSuite({ name: "sqs fifo (fauxqs)", createBackend: async () => createTestBackend(endpoint, { fifo: true }), knownServerGaps });
} else {
  describe.skip("conformance: sqs (HOPPER_TEST_SQS_ENDPOINT not set)", () => {});
}
