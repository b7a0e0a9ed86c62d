import { expect } from "vitest";
import { Job } from "@hopper/core";
import { defineScenario } from "../scenario.js";
import { countHeldMessages, receiveMessages, sleep, testHopper, waitFor } from "../harness.js";

const concurrency = 2;
const prefetch = 3;

export const prefetchBound = defineScenario({
  name: "a worker holds at most concurrency + prefetch messages (no prefetch without lease extension), and hands the unstarted ones back at once on stop",
  timeoutMs: 120_000,
  async run({ backend, queue }) {
    const name = queue("prefetch");
    const counted = countHeldMessages(backend);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const started: number[] = [];
    class Blocked extends Job<{ n: number }> {
      static override queue = name;
      async perform({ n }: { n: number }) {
        started.push(n);
        await gate;
      }
    }
    // A buffered message must keep its lease while it waits: a backend that cannot extend one gets no buffer.
    const buffered = backend.capabilities.leaseExtension ? prefetch : 0;
    const hopper = testHopper(counted.backend, [Blocked]);
    const total = concurrency + prefetch + 3;
    await hopper.enqueueAll(Blocked, Array.from({ length: total }, (_, n) => ({ n })));
    // A lease far longer than the test: whatever another consumer gets was handed back, not expired.
    const worker = hopper.worker({ queues: [name], concurrency, prefetch, pollWait: 500, lease: "10m", handleSignals: false });
    const running = worker.run();
    try {
      await waitFor(() => started.length === concurrency && counted.held() === concurrency + buffered, "the worker to run two jobs and buffer the prefetch");
      // With its buffer full the worker must not receive more, however long the jobs run.
      await sleep(1000);
      expect(counted.mostHeld()).toBe(concurrency + buffered);
      expect(started).toHaveLength(concurrency);

      const stopping = worker.stop({ timeout: "5m" });
      // The running jobs still run; the buffered ones are back in the queue beside the never-received ones.
      // The same backend serves as the other consumer (opening one, e.g. an embedded PGlite, stalls every scenario running beside this one).
      const available = await receiveMessages(backend, name, total - concurrency, { leaseMs: 600_000 });
      expect(available).toHaveLength(total - concurrency);
      expect(started).toHaveLength(concurrency);
      release();
      await stopping;
      // stop() resolved: nothing is running or buffered any more.
      expect(counted.held()).toBe(0);
      await Promise.all(available.map((message) => message.ack()));
    } finally {
      release();
      await worker.stop({ timeout: 1000 });
      await running;
    }
  },
});
