import { afterEach, describe, expect, it } from "vitest";
import { createHopper, type Hopper } from "../hopper.js";
import { createConsoleLogger } from "../logger.js";
import { createMemoryBackend } from "../memory/memory-backend.js";
import { until } from "../test-fixtures/until.js";
import { IterableJob, type IterationContext } from "./iterable-job.js";

// A run of an iterable job that fails after finishing steps and items: its retry resumes after them. Without records
// the retry copy carried the state the run started from, so a finished step ran again (and charged twice).

const hoppers: Hopper[] = [];
afterEach(async () => {
  await Promise.all(hoppers.splice(0).map((hopper) => hopper.close()));
});

function* range(from: number, to: number): Iterable<readonly [number, number]> {
  for (let index = from; index < to; index++) yield [index, index + 1];
}

describe.each([
  ["without records", false],
  ["with records", true],
])("an iterable job retried after a failure, %s", (_label, records) => {
  it("runs each finished step and item once: the retry resumes from where the failed run got to", async () => {
    const queue = `retry-progress-${Math.random().toString(36).slice(2, 8)}`;
    const runs = { charge: 0, items: new Map<number, number>(), attempts: [] as number[] };
    let failed = false;
    class Checkout extends IterableJob<Record<string, never>> {
      static override queue = queue;
      static override retry = { attempts: 3, wait: 0 as const };
      async perform(_args: Record<string, never>, context: IterationContext) {
        runs.attempts.push(context.attempt);
        await context.step("charge", () => void runs.charge++);
        await context.iterate("receipts", (after: number | undefined) => range(after ?? 0, 5), (item) => {
          runs.items.set(item, (runs.items.get(item) ?? 0) + 1);
          if (item === 3 && !failed) {
            failed = true;
            throw new Error("mail server down");
          }
        });
      }
    }
    const hopper = createHopper({ backend: createMemoryBackend({ store: queue }), jobs: [Checkout], logger: createConsoleLogger("silent"), ...(records && { records: {} }) });
    hoppers.push(hopper);
    await Checkout.performLater({});
    const worker = hopper.worker({ queues: [queue], pollWait: 20, handleSignals: false });
    const running = worker.run();
    try {
      await until(() => runs.attempts.length === 2 && runs.items.get(4) === 1, "the retry to finish", 15_000);
    } finally {
      await worker.stop();
      await running;
    }
    // Item 3 failed, so it runs again; nothing finished before it does.
    expect({ attempts: runs.attempts, charge: runs.charge, items: Object.fromEntries(runs.items) }).toEqual({ attempts: [1, 2], charge: 1, items: { 0: 1, 1: 1, 2: 1, 3: 2, 4: 1 } });
  });
});
