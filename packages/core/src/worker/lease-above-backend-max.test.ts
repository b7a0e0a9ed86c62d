// Found by the pull-path review of 2026-12-07: a worker lease longer than the backend grants (Pub/Sub: 600 s) was
// granted short in silence, and the first renewal, due at 3/8 of the lease asked, came after it ended: a second copy
// ran beside the first. The pubsub package runs the same refusal on the emulator (pubsub-backend.test.ts).
import { expect, it } from "vitest";
import { createHopper } from "../hopper.js";
import { createConsoleLogger } from "../logger.js";
import { createMemoryBackend } from "../memory/memory-backend.js";

it("refuses a lease above the backend's longest when the worker starts, naming worker.lease and the bound", async () => {
  const memory = createMemoryBackend({ store: "lease-above-backend-max" });
  const backend = { ...memory, capabilities: { ...memory.capabilities, leaseExtension: { maxLeaseMs: 600_000 } } };
  const hopper = createHopper({ backend, jobs: [], logger: createConsoleLogger("silent") });
  try {
    const tooLong = hopper.worker({ queues: ["q"], lease: "30m", handleSignals: false });
    await expect(tooLong.run()).rejects.toThrow(/worker\.lease: must be at most 600s on memory \(its longest lease\), got 1800s/);
    // At the bound it runs.
    const atBound = hopper.worker({ queues: ["q"], lease: "10m", handleSignals: false, pollWait: "20ms" });
    const running = atBound.run();
    await new Promise((resolve) => setTimeout(resolve, 100));
    await atBound.stop();
    await expect(running).resolves.toBeUndefined();
  } finally {
    await hopper.close();
  }
});
