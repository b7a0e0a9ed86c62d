import { describe, expect, it } from "vitest";
import { createHopper } from "../hopper.js";
import { Job } from "../job.js";
import { createConsoleLogger } from "../logger.js";
import { createMemoryBackend } from "../memory/memory-backend.js";

class Nightly extends Job<{ format: unknown }> {
  async perform() {}
}

describe("a schedule's args", () => {
  it("are refused when the scheduler starts if no tick could enqueue them (a function): one schedule must not stop the others at its first tick", async () => {
    const hopper = createHopper({ backend: createMemoryBackend(), jobs: [Nightly], logger: createConsoleLogger("silent") });
    try {
      hopper.schedule("nightly", "0 3 * * *", Nightly, { format: () => "pdf" });
      await expect(hopper.scheduler({ handleSignals: false }).run()).rejects.toThrow(/schedule\(nightly\)\.args: args\.format: is a function/);
    } finally {
      await hopper.close();
    }
  });
});
