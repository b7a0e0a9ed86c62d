// A job that took its concurrency slot and then failed to be admitted (a workflow's bookkeeping call to the
// coordination store failing once) must give the slot back: its renewals kept the key full for as long as the process
// ran, and every job of that key was offered again and again, never run.
import { expect, it } from "vitest";
import { createHopper } from "../hopper.js";
import { Job } from "../job.js";
import { createConsoleLogger } from "../logger.js";
import { until } from "../test-fixtures/until.js";
import type { CoordinationStore } from "./coordination-store.js";
import { createMemoryCoordinationStore } from "./memory-coordination-store.js";

it("a slot taken by an admission that then fails on the store is released; the key's jobs all run", { timeout: 30_000 }, async () => {
  const inner = createMemoryCoordinationStore();
  let blips = 1;
  // The store fails one call right after the slot was taken: the chain step's run-alone claim.
  const coordination: CoordinationStore = {
    ...inner,
    acquireFenced: async (...args: Parameters<CoordinationStore["acquireFenced"]>) => {
      if (blips-- > 0) throw Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" });
      return inner.acquireFenced(...args);
    },
  };
  const performed: number[] = [];
  class Sync extends Job<{ account: string; step: number }> {
    static override queue = `slot-admission-${Date.now().toString(36)}`;
    static override concurrency = { key: (args: { account: string }) => args.account, limit: 1, lease: "1s", retryAfter: "100ms" };
    async perform({ step }: { account: string; step: number }) {
      performed.push(step);
    }
  }
  const hopper = createHopper({ url: `memory://${Sync.queue}`, jobs: [Sync], logger: createConsoleLogger("silent"), coordination });
  await hopper.chain([Sync, { account: "acme", step: 1 }], [Sync, { account: "acme", step: 2 }]);
  await Sync.performLater({ account: "acme", step: 99 });
  const worker = hopper.worker({ lease: "1s", pollWait: 50, handleSignals: false });
  const running = worker.run();
  try {
    await until(() => performed.length === 3, "every job of the key to run", 20_000);
  } finally {
    await worker.stop();
    await running;
    await hopper.close();
  }
  expect(blips).toBeLessThan(0);
  expect(performed.sort((a, b) => a - b)).toEqual([1, 2, 99]);
});
