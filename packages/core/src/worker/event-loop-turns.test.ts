import { afterEach, describe, expect, it } from "vitest";
import type { Backend } from "../backend/backend.js";
import { createHopper, type Hopper } from "../hopper.js";
import { Job } from "../job.js";
import { createConsoleLogger } from "../logger.js";
import { createMemoryBackend } from "../memory/memory-backend.js";
import { until } from "../test-fixtures/until.js";

const hoppers: Hopper[] = [];
afterEach(async () => {
  await Promise.all(hoppers.splice(0).map((hopper) => hopper.close()));
});

describe("a worker running a buffer of quick jobs", () => {
  it("lets the event loop turn at least every 10 ms or so, so its timers (lease renewals, heartbeats) and I/O are not held back", async () => {
    const queue = `loop-turns-${Date.now().toString(36)}`;
    let ran = 0;
    let runMs = 0;
    class Busy extends Job<{ n: number }> {
      static override queue = queue;
      async perform() {
        // Half a millisecond of work without an await: each ending starts the next buffered job in a microtask.
        const from = performance.now();
        while (performance.now() - from < 0.5);
        runMs += performance.now() - from;
        ran += 1;
      }
    }
    const memory = createMemoryBackend({ store: queue });
    const backend: Backend = Object.create(memory, { capabilities: { value: { ...memory.capabilities, defaultPrefetch: 800 } } });
    const hopper = createHopper({ backend, jobs: [Busy], logger: createConsoleLogger("silent") });
    hoppers.push(hopper);
    const total = 2000;
    for (let from = 0; from < total; from += 1000) await hopper.enqueueAll(Busy, Array.from({ length: 1000 }, (_, n) => ({ n: from + n })));
    // Counts the event loop's turns: a check-phase callback that queues itself again runs once a turn.
    let turns = 0;
    let counting = true;
    const count = () => {
      turns += 1;
      if (counting) setImmediate(count);
    };
    setImmediate(count);
    const worker = hopper.worker({ concurrency: 2, pollWait: 50, handleSignals: false });
    const running = worker.run();
    await until(() => ran === total, "every job to run", 30_000);
    counting = false;
    await worker.stop();
    await running;
    // A turn each 10 ms of starts, and one job's run more (the check comes before a start): below 20 ms a turn
    // however slow the machine runs the jobs. Without the turns, a receive's buffer ran as one chain.
    expect(turns).toBeGreaterThan(runMs / 20);
  });
});
