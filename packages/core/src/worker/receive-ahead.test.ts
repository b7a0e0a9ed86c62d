import { afterEach, describe, expect, it } from "vitest";
import type { Backend } from "../backend/backend.js";
import { createHopper, type Hopper } from "../hopper.js";
import { Job } from "../job.js";
import { createConsoleLogger } from "../logger.js";
import { createMemoryBackend } from "../memory/memory-backend.js";
import { until } from "../test-fixtures/until.js";

const silent = createConsoleLogger("silent");
const hoppers: Hopper[] = [];
afterEach(async () => {
  await Promise.all(hoppers.splice(0).map((hopper) => hopper.close()));
});

describe("receiving ahead of a buffer of fast jobs", () => {
  // Instant jobs end in microtasks and each ending starts the next buffered one; the receive loop is a chain of
  // microtasks too, and went out only once the whole buffer had run (at concurrency 50, every time), leaving the
  // worker a round trip with nothing to run.
  // A driver may send a request a tick after the call (pg-pool takes an idle connection in process.nextTick): a tick
  // runs only once the microtask queue is empty, which a buffer of instant jobs kept full until it had run dry.
  it.each([
    [1, "at once"],
    [10, "at once"],
    [50, "at once"],
    [1, "a tick later"],
    [10, "a tick later"],
    [50, "a tick later"],
  ] as const)("sends the next receive while received jobs are still to run (concurrency %i, request sent %s)", async (concurrency, sent) => {
    const queue = `receive-ahead-${concurrency}-${Date.now().toString(36)}`;
    const total = 2000;
    let ran = 0;
    class Instant extends Job<{ n: number }> {
      static override queue = queue;
      async perform() {
        ran += 1;
      }
    }
    const memory = createMemoryBackend({ store: queue });
    let received = 0;
    const leftAtReceive: number[] = [];
    const backend: Backend = Object.create(memory, {
      receive: {
        value: async (options: Parameters<Backend["receive"]>[0]) => {
          if (sent === "a tick later") await new Promise<void>((resolve) => process.nextTick(resolve));
          if (received > 0 && received < total) leftAtReceive.push(received - ran);
          const messages = await memory.receive(options);
          received += messages.length;
          return messages;
        },
      },
    });
    const hopper = createHopper({ backend, jobs: [Instant], logger: silent });
    hoppers.push(hopper);
    for (let start = 0; start < total; start += 1000) await hopper.enqueueAll(Instant, Array.from({ length: 1000 }, (_, n) => ({ n: start + n })));
    const worker = hopper.worker({ concurrency, pollWait: 50, handleSignals: false });
    const running = worker.run();
    await until(() => ran === total, "every job to run");
    await worker.stop();
    await running;
    expect(leftAtReceive.length).toBeGreaterThan(3);
    // Before the buffer runs dry: at least the running jobs are left (before this fix, at concurrency 50: 49, 0, 49, 0, …;
    // with the request a tick later, 0 every time).
    for (const left of leftAtReceive) expect(left).toBeGreaterThanOrEqual(concurrency);
    expect(await memory.stats!(queue)).toEqual({ ready: 0, delayed: 0, inFlight: 0 });
  });
});
