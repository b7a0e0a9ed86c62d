import { afterEach, describe, expect, it } from "vitest";
import { createHopper, type Hopper } from "../hopper.js";
import { Job, type JobContext } from "../job.js";
import { createConsoleLogger } from "../logger.js";
import { createMemoryBackend } from "../memory/memory-backend.js";

const hoppers: Hopper[] = [];
afterEach(async () => {
  await Promise.all(hoppers.splice(0).map((hopper) => hopper.close()));
});

// Code written for ActiveJob or BullMQ passes contexts on as `{ ...context, extra }` or walks their keys.
describe("a job's context, spread or listed", () => {
  it("keeps every JobContext member in a spread copy and in Object.keys, working as on the context itself", async () => {
    const queue = `context-spread-${Date.now().toString(36)}`;
    let seen: { keys: string[]; sameSignal: boolean; abortedLater: boolean; enqueuedAt: unknown; progressKind: string } | undefined;
    class Spreads extends Job<Record<string, never>> {
      static override queue = queue;
      static override retry = { attempts: 1 };
      async perform(_args: Record<string, never>, context: JobContext) {
        const copy: JobContext & { extra: number } = { ...context, extra: 1 };
        const { signal, enqueuedAt, progress } = context;
        await copy.progress(42);
        seen = {
          keys: Object.keys(context),
          sameSignal: copy.signal === context.signal && signal === context.signal,
          abortedLater: copy.signal.aborted,
          enqueuedAt: copy.enqueuedAt.getTime() === enqueuedAt.getTime() ? copy.enqueuedAt : undefined,
          progressKind: typeof progress,
        };
      }
    }
    const hopper = createHopper({ backend: createMemoryBackend({ store: queue }), jobs: [Spreads], logger: createConsoleLogger("silent"), records: {} });
    hoppers.push(hopper);
    const id = await Spreads.performLater({});
    const worker = hopper.worker({ queues: [queue], handleSignals: false });
    const running = worker.run();
    const record = await hopper.jobs.wait(id, { timeout: "20s" });
    await worker.stop();
    await running;
    expect(record).toMatchObject({ error: null });
    expect(seen?.keys).toEqual(expect.arrayContaining(["jobId", "jobName", "queue", "attempt", "enqueuedAt", "signal", "logger", "progress"]));
    expect(seen).toMatchObject({ sameSignal: true, abortedLater: false, enqueuedAt: expect.any(Date), progressKind: "function" });
    // The copy's progress wrote the job's own record.
    expect(record).toMatchObject({ state: "succeeded", progress: 42 });
  });
});
