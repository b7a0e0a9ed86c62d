// A pause means no worker starts another job of the queue once it has seen the pause: a job already in the worker,
// waiting for its rate-limit slot, included (it started about a slot's wait after the pause).
import { expect, it } from "vitest";
import { createHopper } from "../hopper.js";
import { Job } from "../job.js";
import { createConsoleLogger } from "../logger.js";

it("a job waiting in the worker for its rate-limit slot when its queue is paused does not start once the pause is seen", { timeout: 20_000 }, async () => {
  const queue = `pause-rate-${Date.now().toString(36)}`;
  const starts: number[] = [];
  class Charge extends Job<{ n: number }> {
    static override queue = queue;
    static override rateLimit = { limit: 1, per: "950ms" };
    async perform() {
      starts.push(Date.now());
    }
  }
  const hopper = createHopper({ url: `memory://${queue}`, jobs: [Charge], logger: createConsoleLogger("silent") });
  await Charge.performAllLater([{ n: 0 }, { n: 1 }, { n: 2 }]);
  const worker = hopper.worker({ pauseCheck: "50ms", concurrency: 5, handleSignals: false, pollWait: 20 });
  const running = worker.run();
  try {
    while (starts.length < 1) await new Promise((resolve) => setTimeout(resolve, 5));
    // The others wait in the worker for their slots (the next one about 850 ms away).
    await new Promise((resolve) => setTimeout(resolve, 100));
    await hopper.queues.pause(queue);
    const seenBy = Date.now() + 50 + 100;
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(starts.filter((at) => at > seenBy)).toEqual([]);
    await hopper.queues.resume(queue);
    while (starts.length < 3) await new Promise((resolve) => setTimeout(resolve, 20));
  } finally {
    await worker.stop();
    await running;
    await hopper.close();
  }
  expect(starts).toHaveLength(3);
});
