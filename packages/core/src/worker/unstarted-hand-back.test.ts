import { afterEach, describe, expect, it } from "vitest";
import { createHopper, type Hopper } from "../hopper.js";
import { Job, type JobContext } from "../job.js";
import { createConsoleLogger } from "../logger.js";
import { createMemoryBackend } from "../memory/memory-backend.js";
import { createMemoryCoordinationStore } from "../coordination/memory-coordination-store.js";
import { until } from "../test-fixtures/until.js";

const silent = createConsoleLogger("silent");
let queueCounter = 0;
const hoppers: Hopper[] = [];
afterEach(async () => {
  await Promise.all(hoppers.splice(0).map((hopper) => hopper.close()));
});

const pauses = 3;
const buffered = 3;

// Both ways the core keeps the count: the backend's uncounted nack, and (where it has none) a fresh copy carrying the attempt.
describe.each([
  { name: "uncounted nack", uncountedNack: true },
  { name: "a copy carrying the attempt", uncountedNack: false },
])("jobs buffered when their queue is paused go back keeping their attempt ($name)", ({ uncountedNack }) => {
  it("runs each as attempt 1 after more pauses than its retry budget", async () => {
    const queue = `unstarted-hand-back-${Date.now().toString(36)}-${queueCounter++}`;
    const attempts = new Map<number, number[]>();
    let holding = true;
    let release = () => {};
    class Waiting extends Job<{ n: number }> {
      static override queue = queue;
      static override retry = { attempts: pauses, wait: 10, jitter: 0 };
      async perform({ n }: { n: number }, context: JobContext) {
        attempts.set(n, [...(attempts.get(n) ?? []), context.attempt]);
        if (holding) await new Promise<void>((resolve) => (release = resolve));
      }
    }
    const backend = createMemoryBackend({ store: queue, capabilities: { uncountedNack } });
    const hopper = createHopper({ backend, jobs: [Waiting], logger: silent, coordination: createMemoryCoordinationStore() });
    hoppers.push(hopper);
    await hopper.enqueueAll(Waiting, Array.from({ length: 1 + buffered }, (_, n) => ({ n })));
    const worker = hopper.worker({ queues: [queue], concurrency: 1, prefetch: 10, pollWait: 50, pauseCheck: 20, handleSignals: false });
    const running = worker.run();
    try {
      // One job runs (held), the others wait in the buffer; each pause hands them back, each resume buffers them again.
      await until(() => attempts.size === 1, "the first job to start");
      for (let pause = 0; pause < pauses; pause += 1) {
        await until(async () => (await backend.stats!(queue)).inFlight === 1 + buffered, "the rest to be buffered");
        await hopper.queues.pause(queue);
        await until(async () => (await backend.stats!(queue)).inFlight === 1, "the buffer to be handed back");
        await hopper.queues.resume(queue);
      }
      holding = false;
      release();
      await until(() => attempts.size === 1 + buffered, "every job to run");
    } finally {
      holding = false;
      release();
      await worker.stop({ timeout: 5000 });
      await running;
    }
    expect([...attempts.entries()].sort(([a], [b]) => a - b)).toEqual(Array.from({ length: 1 + buffered }, (_, n) => [n, [1]]));
    expect(await backend.stats!(queue)).toEqual({ ready: 0, delayed: 0, inFlight: 0 });
  });
});
