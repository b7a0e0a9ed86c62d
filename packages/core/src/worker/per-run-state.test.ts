import { afterEach, describe, expect, it, vi } from "vitest";
import { createHopper, type Hopper } from "../hopper.js";
import { Job, type JobContext } from "../job.js";
import { createConsoleLogger } from "../logger.js";
import { createMemoryBackend } from "../memory/memory-backend.js";
import { ShutdownError } from "../errors/shutdown-error.js";
import { ConfigurationError } from "../errors/configuration-error.js";
import { until as waitUntil } from "../test-fixtures/until.js";

const silent = createConsoleLogger("silent");
let queueCounter = 0;
const uniqueQueue = () => `per-run-${Date.now().toString(36)}-${queueCounter++}`;
const hoppers: Hopper[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(hoppers.splice(0).map((hopper) => hopper.close()));
});

function memoryHopper(jobs: Parameters<typeof createHopper>[0]["jobs"], store: string): Hopper {
  const hopper = createHopper({ backend: createMemoryBackend({ store }), jobs, logger: silent });
  hoppers.push(hopper);
  return hopper;
}

const until = (predicate: () => boolean | Promise<boolean>, description: string) => waitUntil(predicate, description, 20_000);

/** Live "abort" listeners per event target, counted from every add and remove made while it watches. */
function watchAbortListeners() {
  const live = new Map<EventTarget, Set<unknown>>();
  const add = EventTarget.prototype.addEventListener;
  const remove = EventTarget.prototype.removeEventListener;
  vi.spyOn(EventTarget.prototype, "addEventListener").mockImplementation(function (this: EventTarget, type, listener, options) {
    if (type === "abort") live.set(this, (live.get(this) ?? new Set()).add(listener));
    return add.call(this, type, listener, options);
  });
  vi.spyOn(EventTarget.prototype, "removeEventListener").mockImplementation(function (this: EventTarget, type, listener, options) {
    if (type === "abort") live.get(this)?.delete(listener);
    return remove.call(this, type, listener, options);
  });
  return { mostOnOneTarget: () => Math.max(0, ...[...live.values()].map((listeners) => listeners.size)) };
}

describe("per-run state of a worker", () => {
  it("adds no listener per running job to a signal shared by the jobs: the count does not grow with the jobs in flight", async () => {
    const queue = uniqueQueue();
    const jobs = 40;
    let running = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    class Held extends Job<{ index: number }> {
      static override queue = queue;
      async perform(_args: { index: number }, context: JobContext) {
        // Reading the signal is what a job that passes it on does; it must still cost the shared signal nothing.
        expect(context.signal.aborted).toBe(false);
        running += 1;
        await gate;
      }
    }
    const hopper = memoryHopper([Held], queue);
    await hopper.enqueueAll(Held, Array.from({ length: jobs }, (_, index) => ({ index })));
    const listeners = watchAbortListeners();
    const worker = hopper.worker({ concurrency: jobs, prefetch: 0, pollWait: 50, handleSignals: false });
    const stopped = worker.run();
    try {
      await until(() => running === jobs, `${jobs} jobs running at once`);
      // The receive loop and the worker's own stop signals may hold a listener or two; not one per job.
      expect(listeners.mostOnOneTarget()).toBeLessThanOrEqual(2);
    } finally {
      release();
      await worker.stop({ timeout: 5000 });
      await stopped;
    }
  });

  it("aborts a running job's signal at a shutdown past its bound even when the job reads it only afterwards", async () => {
    const queue = uniqueQueue();
    let started = false;
    let context!: JobContext;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    class Late extends Job<Record<string, never>> {
      static override queue = queue;
      async perform(_args: Record<string, never>, jobContext: JobContext) {
        context = jobContext;
        started = true;
        await gate;
      }
    }
    const hopper = memoryHopper([Late], queue);
    await Late.performLater({});
    const worker = hopper.worker({ pollWait: 50, handleSignals: false });
    const running = worker.run();
    await until(() => started, "the job to start");
    await worker.stop({ timeout: 50 });
    // First read after the shutdown gave up on it: the signal is made now, already aborted with the shutdown's reason.
    expect(context.signal.aborted).toBe(true);
    expect(ShutdownError.isInstance(context.signal.reason)).toBe(true);
    release();
    await running;
  });

  it("gives a job a context that serializes without the worker's state (no cycle, no args) and whose progress works destructured", async () => {
    const queue = uniqueQueue();
    let serialized: string | undefined;
    let progressError: unknown;
    class Logs extends Job<{ password: string }> {
      static override queue = queue;
      async perform(_args: { password: string }, context: JobContext) {
        serialized = JSON.stringify(context);
        const { progress } = context;
        // Records are off here: a clear ConfigurationError, not a TypeError from a lost `this`.
        progressError = await progress(1).catch((error: unknown) => error);
      }
    }
    const hopper = memoryHopper([Logs], queue);
    const id = await Logs.performLater({ password: "hunter2" });
    const worker = hopper.worker({ pollWait: 50, handleSignals: false });
    const running = worker.run();
    await until(() => progressError !== undefined, "the job to run");
    await worker.stop({ timeout: 5000 });
    await running;
    expect(JSON.parse(serialized!)).toMatchObject({ jobId: id, jobName: "Logs", queue, attempt: 1 });
    expect(serialized).not.toContain("hunter2");
    expect(ConfigurationError.isInstance(progressError)).toBe(true);
  });
  it("gives ctx.logger line functions that work passed around on their own, the same function at every read, each line carrying the job's fields", async () => {
    const queue = uniqueQueue();
    const lines: { message: string; fields?: Record<string, unknown> }[] = [];
    const capture = (message: string, fields?: Record<string, unknown>) => void lines.push({ message, ...(fields && { fields }) });
    let sameEachRead: boolean | undefined;
    class Logs extends Job<Record<string, never>> {
      static override queue = queue;
      async perform(_args: Record<string, never>, context: JobContext) {
        const { info, warn } = context.logger;
        sameEachRead = context.logger.info === info && context.logger.warn === warn;
        info("from a destructured info", { step: 1 });
        const passOn = (line: (message: string) => void) => line("from a passed-on warn");
        passOn(warn);
      }
    }
    const hopper = createHopper({ backend: createMemoryBackend({ store: queue }), jobs: [Logs], logger: { debug: capture, info: capture, warn: capture, error: capture } });
    hoppers.push(hopper);
    const id = await Logs.performLater({});
    const worker = hopper.worker({ pollWait: 50, handleSignals: false });
    const running = worker.run();
    await until(() => lines.some((line) => line.message === "from a passed-on warn"), "the job's lines");
    await worker.stop({ timeout: 5000 });
    await running;
    expect(sameEachRead).toBe(true);
    expect(lines.find((line) => line.message === "from a destructured info")?.fields).toMatchObject({ step: 1, jobId: id, job: "Logs", queue, attempt: 1 });
    expect(lines.find((line) => line.message === "from a passed-on warn")?.fields).toMatchObject({ jobId: id, job: "Logs", queue });
  });
});
