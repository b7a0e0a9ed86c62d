import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createHopper, type Hopper } from "../hopper.js";
import { Job, type JobContext } from "../job.js";
import { createConsoleLogger } from "../logger.js";
import type { Backend, ReceivedMessage } from "../backend/backend.js";
import { createMemoryBackend } from "../memory/memory-backend.js";
import { ShutdownError } from "../errors/shutdown-error.js";
import { ConfigurationError } from "../errors/configuration-error.js";
import { until } from "../test-fixtures/until.js";

const silent = createConsoleLogger("silent");
let queueCounter = 0;
const uniqueQueue = () => `worker-test-${Date.now().toString(36)}-${queueCounter++}`;
const hoppers: Hopper[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(hoppers.splice(0).map((hopper) => hopper.close()));
});

function memoryHopper(jobs: Parameters<typeof createHopper>[0]["jobs"], store: string): Hopper {
  const hopper = createHopper({ backend: createMemoryBackend({ store }), jobs, logger: silent });
  hoppers.push(hopper);
  return hopper;
}

describe("graceful shutdown", () => {
  it("lets an in-flight job finish within the bound and acks it", async () => {
    const queue = uniqueQueue();
    const events: string[] = [];
    let release!: () => void;
    class Slow extends Job<Record<string, never>> {
      static override queue = queue;
      async perform() {
        events.push("started");
        await new Promise<void>((resolve) => (release = resolve));
        events.push("finished");
      }
    }
    const hopper = memoryHopper([Slow], queue);
    await Slow.performLater({});
    const worker = hopper.worker({ pollWait: 50, handleSignals: false });
    const running = worker.run();
    await until(() => events.includes("started"), "the job to start");
    const stopped = worker.stop({ timeout: 5000 });
    setTimeout(() => release(), 100);
    await stopped;
    await running;
    expect(events).toEqual(["started", "finished"]);
    expect(await (await hopper.backend).stats!(queue)).toEqual({ ready: 0, delayed: 0, inFlight: 0 });
  });

  it("aborts a job still running at the bound and hands it back to the queue", async () => {
    const queue = uniqueQueue();
    const reasons: unknown[] = [];
    let started = 0;
    class Stubborn extends Job<Record<string, never>> {
      static override queue = queue;
      async perform(_args: Record<string, never>, context: JobContext) {
        started += 1;
        await new Promise<void>((resolve) => context.signal.addEventListener("abort", () => resolve(), { once: true }));
        reasons.push(context.signal.reason);
        throw context.signal.reason;
      }
    }
    const hopper = memoryHopper([Stubborn], queue);
    await Stubborn.performLater({});
    const worker = hopper.worker({ pollWait: 50, handleSignals: false });
    const running = worker.run();
    await until(() => started === 1, "the job to start");
    await worker.stop({ timeout: 100 });
    await running;
    expect(reasons).toHaveLength(1);
    expect(ShutdownError.isInstance(reasons[0])).toBe(true);
    // Handed back, not dead-lettered: ready again for the next worker, at once.
    expect(await (await hopper.backend).stats!(queue)).toEqual({ ready: 1, delayed: 0, inFlight: 0 });
    expect(await hopper.deadLetters(queue).peek({ max: 5 })).toEqual([]);
  });

  it("stops on SIGTERM in a real process, finishing the running job first", async () => {
    const fixture = fileURLToPath(new URL("../test-fixtures/sigterm-worker.ts", import.meta.url));
    const child = spawn(process.execPath, ["--conditions=@hopper/source", "--import", "tsx", fixture], { stdio: ["ignore", "pipe", "inherit"] });
    let output = "";
    let signalled = false;
    child.stdout.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      // One signal only: a second SIGTERM during shutdown ends the process at once, by design.
      if (!signalled && output.includes("job started")) {
        signalled = true;
        child.kill("SIGTERM");
      }
    });
    const exitCode = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(output.trim().split("\n")).toEqual(["job started", "job finished", "worker stopped"]);
    expect(exitCode).toBe(0);
  });
});

describe("fetching ahead", () => {
  it("drops a buffered message whose lease is lost: it is never run, acked or handed back by this worker", async () => {
    const queue = uniqueQueue();
    const store = `lost-buffer-${queue}`;
    let releaseFirst!: () => void;
    const firstGate = new Promise<void>((resolve) => (releaseFirst = resolve));
    const started: string[] = [];
    class Gated extends Job<{ label: string }> {
      static override queue = queue;
      async perform({ label }: { label: string }) {
        started.push(label);
        if (label === "first") await firstGate;
      }
    }
    // The buffered message's renewals are held back (a stalled process) until another consumer holds its redelivered copy.
    let releaseRenewals!: () => void;
    const renewalsHeld = new Promise<void>((resolve) => (releaseRenewals = resolve));
    const settledByWorker: string[] = [];
    let bufferedId: string | undefined;
    const memory = createMemoryBackend({ store });
    const backend: Backend = {
      ...memory,
      receive: async (options) =>
        (await memory.receive(options)).map((message) => ({
          id: message.id,
          body: message.body,
          deliveryAttempt: message.deliveryAttempt,
          ack: () => (settledByWorker.push(`ack ${message.id}`), message.ack()),
          nack: (nackOptions) => (settledByWorker.push(`nack ${message.id}`), message.nack(nackOptions)),
          extendLease: async (leaseMs) => {
            if (message.id === bufferedId) await renewalsHeld;
            return message.extendLease(leaseMs);
          },
        })),
    };
    const hopper = createHopper({ backend, jobs: [Gated], logger: silent });
    hoppers.push(hopper);
    const firstId = await Gated.performLater({ label: "first" });
    bufferedId = await Gated.performLater({ label: "buffered" });
    const worker = hopper.worker({ concurrency: 1, prefetch: 1, lease: 400, pollWait: 50, handleSignals: false });
    const running = worker.run();
    try {
      await until(() => started.length === 1 && worker.bufferedCount === 1, "the first job to run and the second to be buffered");
      const other = createMemoryBackend({ store });
      // The lease (400 ms) runs out while the renewal hangs: the copy goes to another consumer.
      const [copy] = await other.receive({ queue, maxMessages: 1, waitMs: 10_000, leaseMs: 60_000 });
      expect(copy?.id).toBe(bufferedId);
      // Now the held renewal reaches the backend, which answers that the lease is gone.
      releaseRenewals();
      await until(() => worker.bufferedCount === 0, "the worker to drop the buffered message");
      releaseFirst();
      await until(() => settledByWorker.length === 1, "the first job to be acked");
      await worker.stop({ timeout: 1000 });
      await running;
      expect(started).toEqual(["first"]);
      // The copy is the other consumer's: this worker neither acked nor handed back the message it dropped.
      expect(settledByWorker).toEqual([`ack ${firstId}`]);
      await copy!.ack();
    } finally {
      releaseRenewals();
      releaseFirst();
      await worker.stop({ timeout: 1000 });
      await running;
    }
  });
});

describe("retries follow the policy's clock", () => {
  it("does not rerun a failed job before its backoff has passed", async () => {
    vi.useFakeTimers({ toFake: ["Date", "setTimeout", "clearTimeout", "setInterval", "clearInterval"] });
    const queue = uniqueQueue();
    const attempts: number[] = [];
    class Backoff extends Job<Record<string, never>> {
      static override queue = queue;
      static override retry = { attempts: 3, wait: "1m", jitter: 0 };
      async perform(_args: Record<string, never>, context: JobContext) {
        attempts.push(context.attempt);
        throw new Error("still down");
      }
    }
    const hopper = memoryHopper([Backoff], queue);
    await Backoff.performLater({});
    const worker = hopper.worker({ pollWait: 1000, handleSignals: false });
    // setImmediate stays real: a worker lets the event loop turn after each receive before it starts what came in.
    const advance = async (ms: number) => {
      await vi.advanceTimersByTimeAsync(ms);
      await new Promise((resolve) => setImmediate(resolve));
      await vi.advanceTimersByTimeAsync(0);
    };
    const running = worker.run();
    await advance(100);
    expect(attempts).toEqual([1]);
    await advance(59_000);
    expect(attempts).toEqual([1]);
    await advance(2_000);
    expect(attempts).toEqual([1, 2]);
    await advance(61_000);
    expect(attempts).toEqual([1, 2, 3]);
    const stopped = worker.stop({ timeout: 1000 });
    await advance(2000);
    await stopped;
    await running;
    const [deadLetter] = await hopper.deadLetters(queue).take({ max: 1 });
    expect(deadLetter).toMatchObject({ attempt: 3, reason: "attempts exhausted (3 of 3)", error: { message: "still down" } });
  });
});

describe("worker options are checked", () => {
  class Any extends Job<unknown> {
    async perform() {}
  }
  it.each([
    [{ queues: [] }, "worker.queues", /at least one queue/],
    [{ queues: ["ok", "bad queue"] }, "worker.queues[1]", /not a valid queue name/],
    [{ concurrency: 0 }, "worker.concurrency", /from 1 to 10000/],
    [{ lease: "forever" }, "worker.lease", /not a duration/],
    [{ lease: 0 }, "worker.lease", /greater than 0/],
    // An idle worker would ask again at once, for ever: on memory:// a loop no timer or signal gets into.
    [{ pollWait: 0 }, "worker.pollWait", /at least 10ms/],
    [{ pollWait: "5ms" }, "worker.pollWait", /at least 10ms/],
    [{ concurrency: Number.NaN }, "worker.concurrency", /from 1 to 10000/],
    [{ prefetch: -1 }, "worker.prefetch", /integer from 0 to 10000/],
    [{ prefetch: 2.5 }, "worker.prefetch", /integer from 0 to 10000/],
    [{ prefetch: "50" }, "worker.prefetch", /integer from 0 to 10000/],
    [{ prefetchBytes: 0 }, "worker.prefetchBytes", /positive integer/],
    [{ prefetchBytes: "64MB" }, "worker.prefetchBytes", /positive integer/],
    // Checked when the worker is made, not later inside run().
    [{ newerVersionRetry: "soon" }, "worker.newerVersionRetry", /not a duration/],
    [{ newerVersionRetry: 0 }, "worker.newerVersionRetry", /greater than 0/],
    [{ newerVersionMaxHold: -1 }, "worker.newerVersionMaxHold", /not a duration/],
    [{ queue: ["mailers"] }, "worker.queue", /not an option of worker\(\).*queues/],
  ])("%j", (options, field, message) => {
    const hopper = memoryHopper([Any], "options");
    let caught: unknown;
    try {
      hopper.worker(options as never);
    } catch (error) {
      caught = error;
    }
    expect(ConfigurationError.isInstance(caught)).toBe(true);
    expect((caught as ConfigurationError).field).toBe(field);
    expect((caught as Error).message).toMatch(message);
  });
});
