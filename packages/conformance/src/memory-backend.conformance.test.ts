import { createMemoryBackend } from "@hopper/core/memory";
import { runConformanceSuite } from "./conformance-suite.js";

runConformanceSuite({ name: "memory", createBackend: async () => createMemoryBackend({ store: "conformance" }) });

// The same backend declaring only the bare minimum: the scenarios for absent
// capabilities must see the core refuse them, and delays fall back to holding back.
runConformanceSuite({
  name: "memory (minimal capabilities)",
  createBackend: async () =>
    createMemoryBackend({
      store: "conformance-minimal",
      capabilities: { priority: false, ordering: false, deduplication: false, delayedDelivery: false, leaseExtension: false, deliveryAttempts: false, maxBatchSize: 10 },
    }),
});
