// No heartbeat holds a job's lease while it is admitted (an async schema, the coordination or record store): an
// admission longer than the lease let the job be delivered again, and both copies ran. A lease more than half gone
// is renewed before the run starts, and one the backend says is gone is not run.
import { expect, it } from "vitest";
import { createHopper } from "../hopper.js";
import { createMemoryBackend } from "../memory/memory-backend.js";
import { Job } from "../job.js";
import { createConsoleLogger } from "../logger.js";
import { until } from "../test-fixtures/until.js";

it("a job whose admission outlasts its lease is not run by that worker: the copy delivered meanwhile runs, once", { timeout: 20_000 }, async () => {
  const queue = `slow-admission-${Date.now().toString(36)}`;
  const runs: string[] = [];
  let running = 0;
  let mostAtOnce = 0;
  // Worker A's schema takes longer than the whole lease (a lookup); worker B's answers at once.
  const schema = (delayMs: number) => ({
    "~standard": {
      version: 1 as const,
      vendor: "test",
      validate: async (value: unknown) => {
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        return { value };
      },
    },
  });
  const jobFor = (worker: string, delayMs: number) =>
    class Admitted extends Job<Record<string, never>> {
      static override queue = queue;
      static override jobName = "Admitted";
      static override schema = schema(delayMs) as never;
      async perform() {
        runs.push(worker);
        running += 1;
        mostAtOnce = Math.max(mostAtOnce, running);
        await new Promise((resolve) => setTimeout(resolve, 800));
        running -= 1;
      }
    };
  const [A, B] = [jobFor("A", 700), jobFor("B", 0)];
  const errors: { message: string; fields: Record<string, unknown> }[] = [];
  const loggerA = { ...createConsoleLogger("silent"), error: (message: string, fields: Record<string, unknown> = {}) => void errors.push({ message, fields }) };
  const first = createHopper({ backend: createMemoryBackend({ store: queue }), jobs: [A], logger: loggerA });
  const second = createHopper({ backend: createMemoryBackend({ store: queue }), jobs: [B], logger: createConsoleLogger("silent") });
  await A.performLater({});
  const workerA = first.worker({ handleSignals: false, pollWait: 20, lease: 400, prefetch: 0 });
  const runningA = workerA.run();
  await new Promise((resolve) => setTimeout(resolve, 100));
  const workerB = second.worker({ handleSignals: false, pollWait: 20, lease: 400, prefetch: 0 });
  const runningB = workerB.run();
  try {
    await until(() => runs.length >= 1, "a run", 10_000);
    await new Promise((resolve) => setTimeout(resolve, 1500));
  } finally {
    await Promise.all([workerA.stop(), workerB.stop()]);
    await Promise.all([runningA, runningB]);
    await Promise.all([first.close(), second.close()]);
  }
  expect({ runs, mostAtOnce }).toEqual({ runs: ["B"], mostAtOnce: 1 });
  // Every copy A admits is given up the same way: a setting to change, named as one.
  expect(errors).toContainEqual({ message: expect.stringMatching(/admission took longer than the whole lease/), fields: expect.objectContaining({ leaseMs: 400, admissionMs: expect.any(Number) }) });
});
