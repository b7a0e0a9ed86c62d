import { afterEach, describe, expect, it } from "vitest";
import { createHopper, type Hopper } from "../hopper.js";
import { Job } from "../job.js";
import { createMemoryBackend } from "../memory/memory-backend.js";
import { interceptMessages } from "../test-fixtures/intercept-messages.js";
import { until } from "../test-fixtures/until.js";

const hoppers: Hopper[] = [];
afterEach(async () => {
  await Promise.all(hoppers.splice(0).map((hopper) => hopper.close()));
});

// The Redis crash run in CI (issue #16): while the server was down, workers kept running buffered jobs
// whose acks could not land, so one SIGKILL ran far more than `concurrency` jobs again.
describe("a worker whose acks do not land", () => {
  it("runs no more jobs than its concurrency plus twice its prefetch before an ack lands, then goes on once they do", async () => {
    const queue = `ack-backpressure-${Date.now().toString(36)}`;
    const performed: number[] = [];
    class Quick extends Job<{ n: number }> {
      static override queue = queue;
      async perform({ n }: { n: number }) {
        performed.push(n);
      }
    }
    let serverBack!: () => void;
    const back = new Promise<void>((resolve) => (serverBack = resolve));
    const memory = createMemoryBackend({ store: queue });
    const backend = interceptMessages(memory, (message) => ({
      id: message.id,
      body: message.body,
      deliveryAttempt: message.deliveryAttempt,
      // The server is down: an ack waits (as a client's offline queue holds it) until it is back.
      ack: async (ackOptions) => {
        await back;
        return message.ack(ackOptions);
      },
      nack: (nackOptions) => message.nack(nackOptions),
      extendLease: (ms) => message.extendLease(ms),
    }));
    const hopper = createHopper({ backend, jobs: [Quick] });
    hoppers.push(hopper);
    await Quick.performAllLater(Array.from({ length: 30 }, (_, n) => ({ n })));
    const worker = hopper.worker({ concurrency: 3, prefetch: 5, pollWait: 50, handleSignals: false });
    const running = worker.run();
    try {
      await until(() => performed.length >= 3, "jobs to run while no ack lands");
      // Long enough for every job to have run, had nothing held the worker back.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(performed.length).toBeLessThanOrEqual(3 + 2 * 5);
      serverBack();
      await until(() => performed.length === 30, "every job to run once the acks land");
      expect(new Set(performed).size).toBe(30);
    } finally {
      serverBack();
      await worker.stop({ timeout: 2000 });
      await running;
    }
  });
});
