import { describe } from "vitest";
import { runConformanceSuite, type DeclaredHoldLimits } from "@hopper/conformance";
import { createTestBackend, sqsEndpoint } from "./test-sqs-service.js";

// Gaps of the emulator (fauxqs) that a scenario would expose are listed in the README.
// Real SQS accepts every valid Unicode character; fauxqs checks UTF-16 units one by one.
// fauxqs runs in one Node process on a loaded 2-core machine: 10,000 jobs take minutes there, 1,000 still judge weights within 10%.
const drainScale = { share: 0.1, reason: "fauxqs drains about 100 jobs/s here" };
const knownServerGaps = { "bodies keep characters beyond U+FFFF (emoji) byte for byte": "fauxqs rejects characters beyond U+FFFF (InvalidMessageContents)" };

if (sqsEndpoint) {
  const endpoint = sqsEndpoint;
  // Shrunken declared limits stand in for the 12-hour visibility ceiling and the retention, which fauxqs does not enforce.
  const holdLimits = (limits?: DeclaredHoldLimits) =>
    limits && { maxNackDelaySeconds: Math.ceil(limits.maxNackDelayMs / 1000), messageRetentionSeconds: Math.ceil(limits.messageRetentionMs / 1000) };
  runConformanceSuite({ name: "sqs (fauxqs)", createBackend: async (limits) => createTestBackend(endpoint, { ...holdLimits(limits) }), knownServerGaps, drainScale });
  runConformanceSuite({ name: "sqs fifo (fauxqs)", createBackend: async (limits) => createTestBackend(endpoint, { fifo: true, ...holdLimits(limits) }), knownServerGaps, drainScale });
} else {
  describe.skip("conformance: sqs (HOPPER_TEST_SQS_ENDPOINT not set)", () => {});
}
