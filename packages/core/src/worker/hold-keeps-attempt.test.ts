// `ctx.attempt` counts runs that failed or were lost. A hold that is no run (RetryLaterError, a payload too new for
// this worker) must keep the count a lost delivery added: its copy was sent with the envelope's own, and the lost
// delivery was forgotten.
import { expect, it } from "vitest";
import { ENVELOPE_FORMAT_VERSION, encodeEnvelope } from "../envelope/envelope.js";
import { RetryLaterError } from "../errors/retry-later-error.js";
import { createHopper } from "../hopper.js";
import { Job, type JobContext } from "../job.js";
import { createConsoleLogger } from "../logger.js";
import { createMemoryBackend } from "../memory/memory-backend.js";
import { until } from "../test-fixtures/until.js";

it("a RetryLaterError after a lost delivery: the next run's ctx.attempt still counts the lost one", { timeout: 20_000 }, async () => {
  const queue = `hold-attempt-${Date.now().toString(36)}`;
  const seen: number[] = [];
  class Counted extends Job<Record<string, never>> {
    static override queue = queue;
    async perform(_args: Record<string, never>, context: JobContext) {
      seen.push(context.attempt);
      if (seen.length === 1) throw new RetryLaterError({ delayMs: 10 });
    }
  }
  const backend = createMemoryBackend({ store: queue });
  const hopper = createHopper({ backend, jobs: [Counted], logger: createConsoleLogger("silent") });
  await Counted.performLater({});
  // A worker that crashed: it took the job and never settled it; its lease runs out.
  expect(await backend.receive({ queue, maxMessages: 1, waitMs: 0, leaseMs: 50 })).toHaveLength(1);
  await new Promise((resolve) => setTimeout(resolve, 120));
  const worker = hopper.worker({ handleSignals: false, pollWait: "20ms" });
  const running = worker.run();
  try {
    await until(() => seen.length === 2, "the run after the hold", 10_000);
  } finally {
    await worker.stop();
    await running;
    await hopper.close();
  }
  expect(seen).toEqual([2, 2]);
});

it("a payload too new for this worker, after a lost delivery: the copy held back keeps the count for the newer worker", { timeout: 20_000 }, async () => {
  const queue = `hold-newer-${Date.now().toString(36)}`;
  const seen: number[] = [];
  class Old extends Job<Record<string, never>> {
    static override queue = queue;
    static override jobName = "Versioned";
    async perform() {}
  }
  class New extends Job<Record<string, never>> {
    static override queue = queue;
    static override jobName = "Versioned";
    static override version = 2;
    static override upgrades = { 1: (args: Record<string, never>) => args };
    async perform(_args: Record<string, never>, context: JobContext) {
      seen.push(context.attempt);
    }
  }
  const backend = createMemoryBackend({ store: queue });
  const old = createHopper({ backend, jobs: [Old], logger: createConsoleLogger("silent") });
  const body = encodeEnvelope({ hopper: ENVELOPE_FORMAT_VERSION, id: "from-v2", job: "Versioned", version: 2, args: {}, queue, priority: 0, enqueuedAt: new Date().toISOString(), attempt: 1, meta: {} } as never);
  await backend.enqueue([{ id: "from-v2", queue, body }]);
  expect(await backend.receive({ queue, maxMessages: 1, waitMs: 0, leaseMs: 50 })).toHaveLength(1);
  await new Promise((resolve) => setTimeout(resolve, 120));
  const oldWorker = old.worker({ handleSignals: false, pollWait: "20ms", newerVersionRetry: "300ms" });
  const oldRunning = oldWorker.run();
  await until(async () => (await backend.stats!(queue)).delayed === 1, "the copy held back", 10_000);
  await oldWorker.stop();
  await oldRunning;
  await old.close();
  const current = createHopper({ backend: createMemoryBackend({ store: queue }), jobs: [New], logger: createConsoleLogger("silent") });
  const worker = current.worker({ handleSignals: false, pollWait: "20ms" });
  const running = worker.run();
  try {
    await until(() => seen.length === 1, "the newer worker's run", 10_000);
  } finally {
    await worker.stop();
    await running;
    await current.close();
  }
  expect(seen).toEqual([2]);
});
