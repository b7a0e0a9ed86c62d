import { createMemoryBackend } from "@hopper/core/memory";
import { runConformanceSuite } from "./conformance-suite.js";
import type { DeclaredHoldLimits } from "./scenario.js";

const holdLimits = (limits?: DeclaredHoldLimits) => limits && { nackDelay: { maxDelayMs: limits.maxNackDelayMs }, messageRetentionMs: limits.messageRetentionMs };

runConformanceSuite({ name: "memory", createBackend: async (limits) => createMemoryBackend({ store: "conformance", capabilities: holdLimits(limits) }) });

// The same backend declaring only the bare minimum: the scenarios for absent
// capabilities must see the core refuse them, and delays fall back to holding back.
runConformanceSuite({
  name: "memory (minimal capabilities)",
  createBackend: async (limits) =>
    createMemoryBackend({
      store: "conformance-minimal",
      capabilities: { priority: false, ordering: false, deduplication: false, delayedDelivery: false, leaseExtension: false, deliveryAttempts: false, maxBatchSize: 10, ...holdLimits(limits) },
    }),
});

// Holds by nack on a backend that counts deliveries and cannot take one back nor change a body (as SQS FIFO and Pub/Sub with a dead-letter policy do).
runConformanceSuite({
  name: "memory (holds by nack, deliveries counted)",
  createBackend: async (limits) => createMemoryBackend({ store: "conformance-counted-holds", capabilities: { delayedDelivery: false, uncountedNack: false, nackBody: false, ...holdLimits(limits) } }),
});
