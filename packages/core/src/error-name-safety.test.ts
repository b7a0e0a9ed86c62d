import { afterEach, describe, expect, it } from "vitest";
import { createHopper, type Hopper } from "./hopper.js";
import { Job } from "./job.js";
import { createConsoleLogger } from "./logger.js";
import { createMemoryBackend } from "./memory/memory-backend.js";

// Found by the cockpit review of 2026-12-07 (the next stop): an error's `name` went into records and dead letters
// as thrown, unredacted and unbounded, and from there onto the dashboard and the public job-status handler.

const hoppers: Hopper[] = [];
afterEach(async () => {
  await Promise.all(hoppers.splice(0).map((hopper) => hopper.close()));
});

describe("a failed job's error name in its record and dead letter", () => {
  it.each([
    ["holding a connection string", "postgres://admin:hunter2@db.internal:5432/app"],
    ["of five megabytes", "x".repeat(5_000_000)],
  ])("is redacted and bounded when %s", async (_label, name) => {
    const queue = `error-name-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
    class Broken extends Job<Record<string, never>> {
      static override queue = queue;
      static override retry = { attempts: 1 };
      async perform() {
        throw Object.assign(new Error("could not connect"), { name });
      }
    }
    const hopper = createHopper({ backend: createMemoryBackend({ store: queue }), jobs: [Broken], logger: createConsoleLogger("silent"), records: {} });
    hoppers.push(hopper);
    const id = await Broken.performLater({});
    const worker = hopper.worker({ queues: [queue], pollWait: 20, handleSignals: false });
    const running = worker.run();
    try {
      const record = await hopper.jobs.wait(id, { timeout: "10s" });
      const [letter] = await hopper.deadLetters(queue).peek({ max: 1 });
      for (const shown of [record.error!.name, letter!.error.name]) {
        expect(shown).not.toContain("hunter2");
        expect(shown.length).toBeLessThanOrEqual(200);
      }
    } finally {
      await worker.stop();
      await running;
    }
  });
});
