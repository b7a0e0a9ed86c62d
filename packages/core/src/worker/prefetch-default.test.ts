import { afterEach, describe, expect, it } from "vitest";
import type { Backend, BackendCapabilities, ReceivedMessage } from "../backend/backend.js";
import { createHopper, type Hopper } from "../hopper.js";
import type { WorkerOptions } from "./worker.js";
import { Job, type JobClass, type JobContext } from "../job.js";
import { createConsoleLogger } from "../logger.js";
import { createMemoryBackend } from "../memory/memory-backend.js";
import { interceptMessages } from "../test-fixtures/intercept-messages.js";
import { until } from "../test-fixtures/until.js";

const silent = createConsoleLogger("silent");
const hoppers: Hopper[] = [];
afterEach(async () => {
  await Promise.all(hoppers.splice(0).map((hopper) => hopper.close()));
});

/** A memory backend with other capabilities, counting what each receive asks for and how many messages they returned. */
function backendWith(store: string, capabilities: Partial<BackendCapabilities>): { backend: Backend; asked: number[]; received: { count: number } } {
  const memory = createMemoryBackend({ store });
  const asked: number[] = [];
  const received = { count: 0 };
  const backend: Backend = Object.create(memory, {
    capabilities: { value: { ...memory.capabilities, ...capabilities } },
    receive: {
      value: async (options: Parameters<Backend["receive"]>[0]) => {
        asked.push(options.maxMessages);
        const messages = await memory.receive(options);
        received.count += messages.length;
        return messages;
      },
    },
  });
  return { backend, asked, received };
}

/** A Hopper on `backend` running `job`, closed after the test. */
function hopperFor(backend: Backend, job: JobClass<Job<{ n: number }>>): Hopper {
  const hopper = createHopper({ backend, jobs: [job], logger: silent });
  hoppers.push(hopper);
  return hopper;
}

/** Enqueues `{ n }` for n from `from` to `from + count - 1`, in calls of 1,000. */
async function enqueueNumbered(hopper: Hopper, job: JobClass<Job<{ n: number }>>, count: number, from = 0): Promise<void> {
  for (let start = 0; start < count; start += 1000) {
    await hopper.enqueueAll(job, Array.from({ length: Math.min(1000, count - start) }, (_, n) => ({ n: from + start + n })));
  }
}

/** Runs a worker until `done` holds, then stops it. */
async function workUntil(hopper: Hopper, options: WorkerOptions, done: () => boolean, description: string, timeoutMs?: number): Promise<void> {
  const worker = hopper.worker({ pollWait: 50, handleSignals: false, ...options });
  const running = worker.run();
  await until(done, description, timeoutMs);
  await worker.stop();
  await running;
}

describe("the worker's fetch-ahead default", () => {
  it("follows the backend's declared defaultPrefetch when worker({ prefetch }) is not given, and the option when it is", async () => {
    const total = 3000;
    const largest: Record<string, number> = {};
    for (const [label, capabilities, options] of [
      ["core default", {}, {}],
      ["backend's 800", { defaultPrefetch: 800 }, {}],
      ["option over backend's", { defaultPrefetch: 800 }, { prefetch: 50 }],
    ] as const) {
      const queue = `prefetch-default-${label.replaceAll(/\W/g, "")}-${Date.now().toString(36)}`;
      let ran = 0;
      class Instant extends Job<{ n: number }> {
        static override queue = queue;
        async perform() {
          ran += 1;
        }
      }
      const { backend, asked } = backendWith(queue, capabilities);
      const hopper = hopperFor(backend, Instant);
      await enqueueNumbered(hopper, Instant, total);
      await workUntil(hopper, { concurrency: 10, ...options }, () => ran === total, `every job to run (${label})`);
      largest[label] = Math.max(...asked);
    }
    // A receive asks for the free slots and the room up to the target, so never more than the slots and the limit;
    // once the pace is known a refill comes when half the target is left, so it asks for more than half the target.
    // The backend's 800 shows in an ask beyond what the core's 200 allows, at any pace a quarter second of which is
    // over 420 jobs (a machine starved to ~1,700 jobs/s still shows it).
    expect(largest["core default"]).toBeGreaterThan(100);
    expect(largest["core default"]).toBeLessThanOrEqual(10 + 200);
    expect(largest["backend's 800"]).toBeGreaterThan(10 + 200);
    expect(largest["backend's 800"]).toBeLessThanOrEqual(10 + 800);
    expect(largest["option over backend's"]).toBeLessThanOrEqual(10 + 50);
  });

  it("takes no more than the core's 200 ahead before it has seen a job's run time, so a fresh worker on slow jobs does not hold a backend's larger buffer", async () => {
    const queue = `prefetch-first-${Date.now().toString(36)}`;
    const releases: (() => void)[] = [];
    let slow = true;
    class Slow extends Job<{ n: number }> {
      static override queue = queue;
      async perform() {
        if (slow) await new Promise<void>((resolve) => releases.push(resolve));
      }
    }
    // Small bodies under a small declared largest payload: the run time bounds the first receive, not the bodies.
    const { backend, asked } = backendWith(queue, { defaultPrefetch: 800, maxPayloadBytes: 1000 });
    const hopper = hopperFor(backend, Slow);
    await enqueueNumbered(hopper, Slow, 1000);
    const worker = hopper.worker({ concurrency: 2, pollWait: 50, handleSignals: false });
    const running = worker.run();
    await until(() => releases.length === 2, "both slots to run a job");
    expect(asked).toEqual([202]);
    // Another worker can still take the rest: this one holds its two running jobs and 200 ahead.
    const other = await backend.receive({ queue, maxMessages: 1000, waitMs: 0, leaseMs: 30_000 });
    expect(other).toHaveLength(1000 - 202);
    await Promise.all(other.map((message) => message.nack({ countAttempt: false })));
    slow = false;
    for (const release of releases.splice(0)) release();
    await worker.stop();
    await running;
  });

  it("gives back, at its lease renewals, what it holds beyond its target once its jobs turn slow, keeping their attempt", async () => {
    const queue = `prefetch-slow-${Date.now().toString(36)}`;
    let runMs = 0;
    const attempts: number[] = [];
    class Turning extends Job<{ n: number }> {
      static override queue = queue;
      async perform(_args: { n: number }, context: JobContext) {
        attempts.push(context.attempt);
        if (runMs > 0) await new Promise((resolve) => setTimeout(resolve, runMs));
      }
    }
    const { backend } = backendWith(queue, { defaultPrefetch: 800 });
    const memory = Object.getPrototypeOf(backend) as Backend;
    const hopper = hopperFor(backend, Turning);
    const total = 3000;
    await enqueueNumbered(hopper, Turning, total);
    // A lease of 800 ms: buffered leases are renewed (and the excess looked for) every 100 ms.
    const worker = hopper.worker({ concurrency: 2, pollWait: 50, lease: 800, handleSignals: false });
    const running = worker.run();
    const inFlight = async () => (await memory.stats!(queue)).inFlight;
    await until(async () => attempts.length > 200 && (await inFlight()) > 400, "the buffer to fill while the jobs are fast");
    runMs = 50;
    // At 50 ms a job and 2 slots the target is ~10: the worker keeps its 2 running and at most twice that and 2 more buffered.
    await until(async () => (await inFlight()) <= 2 + 20 + 2, "the excess to go back", 5000);
    runMs = 0;
    await until(async () => attempts.length >= total, "every job to run");
    await worker.stop();
    await running;
    // Given back unstarted: each job ran once, as attempt 1.
    expect(attempts).toHaveLength(total);
    expect(new Set(attempts)).toEqual(new Set([1]));
  });

  it("a warm worker that took a burst of jobs that hang gives the excess back while they run, for idle workers to take", async () => {
    const queue = `prefetch-hang-${Date.now().toString(36)}`;
    let hang = false;
    let started = 0;
    const releases: (() => void)[] = [];
    class MaybeHanging extends Job<{ n: number }> {
      static override queue = queue;
      async perform() {
        started += 1;
        if (hang) await new Promise<void>((resolve) => releases.push(resolve));
      }
    }
    const { backend } = backendWith(queue, { defaultPrefetch: 800 });
    const memory = Object.getPrototypeOf(backend) as Backend;
    const hopper = hopperFor(backend, MaybeHanging);
    // Warm: fast jobs teach the worker a fast pace (a target of the whole 800).
    await enqueueNumbered(hopper, MaybeHanging, 50);
    const worker = hopper.worker({ concurrency: 2, pollWait: 50, lease: 800, handleSignals: false });
    const running = worker.run();
    await until(() => started === 50, "the fast jobs to run");
    hang = true;
    await enqueueNumbered(hopper, MaybeHanging, 1000, 50);
    await until(() => releases.length === 2, "two hanging jobs to run");
    // Held while the two hang: their time so far counts as the pace, so the rest goes back within a few renewals.
    await until(async () => (await memory.stats!(queue)).inFlight <= 2 + 2, "the excess to go back while the jobs hang", 5000);
    expect((await memory.stats!(queue)).ready).toBeGreaterThanOrEqual(1000 - 2 - 2);
    hang = false;
    for (const release of releases.splice(0)) release();
    await until(() => started >= 1050, "every job to run");
    await worker.stop();
    await running;
  });

  it("a fresh worker whose first jobs hang gives back what it took ahead while they run, for idle workers to take", async () => {
    const queue = `prefetch-fresh-hang-${Date.now().toString(36)}`;
    let hang = true;
    let started = 0;
    const releases: (() => void)[] = [];
    class FirstHang extends Job<{ n: number }> {
      static override queue = queue;
      async perform() {
        started += 1;
        if (hang) await new Promise<void>((resolve) => releases.push(resolve));
      }
    }
    const { backend } = backendWith(queue, {});
    const memory = Object.getPrototypeOf(backend) as Backend;
    const hopper = hopperFor(backend, FirstHang);
    await enqueueNumbered(hopper, FirstHang, 500);
    const worker = hopper.worker({ concurrency: 2, pollWait: 50, lease: 800, handleSignals: false });
    const running = worker.run();
    await until(() => releases.length === 2, "two hanging jobs to run");
    // No job has ended yet, so no run time is known: the hanging jobs' time so far is the pace.
    await until(async () => (await memory.stats!(queue)).inFlight <= 2 + 2, "what was taken ahead to go back while the first jobs hang", 5000);
    hang = false;
    for (const release of releases.splice(0)) release();
    await until(() => started >= 500, "every job to run");
    await worker.stop();
    await running;
  });

  it("keeps its buffer while one job runs long among fast ones that keep ending (nothing given back and received again)", async () => {
    const queue = `prefetch-one-slow-${Date.now().toString(36)}`;
    let ran = 0;
    class OneSlow extends Job<{ n: number }> {
      static override queue = queue;
      async perform(args: { n: number }) {
        if (args.n === 100) await new Promise((resolve) => setTimeout(resolve, 1600));
        // The others take ~50 µs each, so the other slot keeps ending jobs for longer than the slow one runs.
        else for (const until = performance.now() + 0.05; performance.now() < until; );
        ran += 1;
      }
    }
    const { backend, received } = backendWith(queue, { defaultPrefetch: 800 });
    const hopper = hopperFor(backend, OneSlow);
    const total = 20_000;
    await enqueueNumbered(hopper, OneSlow, total);
    // A lease of 800 ms: the buffers look for an excess every 100 ms, 16 times while the slow job runs (a shorter
    // window reads a loaded machine's stalls of the fast slot as the jobs turning slow).
    await workUntil(hopper, { concurrency: 2, lease: 800 }, () => ran === total, "every job to run", 20_000);
    expect(received.count).toBe(total);
  });

  it("gives nothing back while every job is fast and its buffer follows a moving average (its dips are no excess)", async () => {
    const queue = `prefetch-dips-${Date.now().toString(36)}`;
    let ran = 0;
    class Steady extends Job<{ n: number }> {
      static override queue = queue;
      async perform() {
        await new Promise((resolve) => setTimeout(resolve, 1));
        ran += 1;
      }
    }
    const { backend, received } = backendWith(queue, { defaultPrefetch: 1000 });
    const hopper = hopperFor(backend, Steady);
    const total = 3000;
    await enqueueNumbered(hopper, Steady, total);
    // ~1 ms a job at 2 slots: a target of ~450, below the limit, moving with every timer's lateness; renewals every
    // 150 ms (on a loaded machine a 1 ms timer can fire 50 ms late, which a shorter window reads as a stall).
    await workUntil(hopper, { concurrency: 2, lease: 1200 }, () => ran === total, "every job to run", 20_000);
    expect(received.count).toBe(total);
  });

  describe("prefetchBytes", () => {
    /** A job whose args carry `pad`, holding each run until `release()` while `hold` is set. */
    function padded(queue: string) {
      const state = { hold: true, attempts: [] as number[], started: [] as number[], releases: [] as (() => void)[] };
      class Padded extends Job<{ n: number; pad: string }> {
        static override queue = queue;
        async perform(args: { n: number; pad: string }, context: JobContext) {
          state.started.push(args.n);
          state.attempts.push(context.attempt);
          if (state.hold) await new Promise<void>((resolve) => state.releases.push(resolve));
        }
      }
      const release = () => {
        state.hold = false;
        for (const resolve of state.releases.splice(0)) resolve();
      };
      return { Padded, state, release };
    }

    /**
     * A memory backend whose received messages hand back through `nack` (given the memory message and the options).
     * It declares payloads of at most 5 kB, so a first receive is sized for those and takes bodies larger than that
     * in numbers (jobs enqueued through `producer`, whose backend declares the memory backend's own limit).
     */
    const withNack = (queue: string, nack: (message: ReceivedMessage, options: Parameters<ReceivedMessage["nack"]>[0]) => Promise<void>): Backend =>
      declaringPayloads(5_000, interceptMessages(createMemoryBackend({ store: queue }), (message) => ({
        // By name: a memory message's methods live on its class, and a spread copy has none of them.
        id: message.id,
        body: message.body,
        deliveryAttempt: message.deliveryAttempt,
        ack: (ackOptions) => message.ack(ackOptions),
        extendLease: (ms) => message.extendLease(ms),
        nack: (nackOptions) => nack(message, nackOptions),
      })));
    const declaringPayloads = (maxPayloadBytes: number, backend: Backend): Backend => Object.create(backend, { capabilities: { value: { ...backend.capabilities, maxPayloadBytes } } }) as Backend;
    const producer = (queue: string, job: JobClass<Job<{ n: number; pad: string }>>): Hopper => {
      const hopper = createHopper({ backend: createMemoryBackend({ store: queue }), jobs: [job], logger: silent });
      hoppers.push(hopper);
      return hopper;
    };

    it("sizes a fresh worker's first receive by the backend's largest payload: a backlog of large bodies is not taken in one reply", async () => {
      const queue = `prefetch-bytes-first-${Date.now().toString(36)}`;
      const { Padded, state, release } = padded(queue);
      // Bodies of ~100 kB, under a declared largest payload of 200 kB: half of prefetchBytes holds two and a half of those.
      const { backend, asked } = backendWith(queue, { maxPayloadBytes: 200_000 });
      const hopper = hopperFor(backend, Padded as never);
      const pad = "x".repeat(100_000);
      await hopper.enqueueAll(Padded, Array.from({ length: 100 }, (_, n) => ({ n, pad })));
      const worker = hopper.worker({ concurrency: 1, prefetchBytes: 1_000_000, pollWait: 50, handleSignals: false });
      const running = worker.run();
      await until(() => state.releases.length === 1, "the first job to run");
      // Before: the first receive asked for 201 (a slot and the core's default of 200) and took all 100, 10 MB.
      expect(asked[0]).toBeLessThanOrEqual(1 + 2 * Math.floor(1_000_000 / 2 / 200_000));
      release();
      await until(() => state.started.length >= 100, "every job to run");
      await worker.stop();
      await running;
      expect(new Set(state.started).size).toBe(100);
    });

    it("tops its buffer up to the target once the first bodies show smaller than the largest payload, however slow its jobs", async () => {
      const queue = `prefetch-bytes-top-up-${Date.now().toString(36)}`;
      const { Padded, state, release } = padded(queue);
      // Sized for Redis's 16 MiB bodies, the first receive takes 2 ahead of 2 slots; the bodies are small.
      const { backend, asked } = backendWith(queue, { maxPayloadBytes: 16 * 1024 * 1024 });
      const hopper = hopperFor(backend, Padded as never);
      await hopper.enqueueAll(Padded, Array.from({ length: 20 }, (_, n) => ({ n, pad: "" })));
      const worker = hopper.worker({ concurrency: 2, prefetch: 3, pollWait: 50, handleSignals: false });
      const running = worker.run();
      // The jobs hold their slots and the buffer holds more than half its target of 3: only a top-up lets the worker
      // receive again (before, it held 2 ahead until the jobs ended).
      await until(() => worker.bufferedCount === 3, "the buffer to fill to its prefetch of 3");
      expect(asked[0]).toBe(2 + 2);
      expect(state.started).toHaveLength(2);
      release();
      await until(() => state.started.length === 20, "every job to run");
      await worker.stop();
      await running;
    });

    it("gives back at once what a receive brings beyond prefetchBytes, the last received first, keeping their attempt", async () => {
      const queue = `prefetch-bytes-${Date.now().toString(36)}`;
      const { Padded, state, release } = padded(queue);
      // A backend declaring small payloads sizes the first receive large: here bodies ten times the declared size come.
      const { backend } = backendWith(queue, { maxPayloadBytes: 10_000 });
      const memory = Object.getPrototypeOf(backend) as Backend;
      const producer = createHopper({ backend: createMemoryBackend({ store: queue }), jobs: [Padded], logger: silent });
      const hopper = createHopper({ backend, jobs: [Padded], logger: silent });
      hoppers.push(producer, hopper);
      const pad = "x".repeat(100_000);
      await producer.enqueueAll(Padded, Array.from({ length: 100 }, (_, n) => ({ n, pad })));
      const worker = hopper.worker({ concurrency: 1, prefetchBytes: 1_000_000, pollWait: 50, handleSignals: false });
      const running = worker.run();
      await until(() => state.releases.length === 1, "the first job to run");
      // The first receive is sized before any body is seen (it takes all 100); what lies beyond 1 MB of bodies goes back at once.
      await until(async () => (await memory.stats!(queue)).inFlight <= 1 + 1_000_000 / 100_000, "the bodies beyond prefetchBytes to go back", 5000);
      release();
      await until(() => state.started.length >= 100, "every job to run");
      await worker.stop();
      await running;
      // Kept: the first received, in order (the last received went back).
      expect(state.started.slice(0, 5)).toEqual([0, 1, 2, 3, 4]);
      expect(new Set(state.started).size).toBe(100);
      expect(state.started).toHaveLength(100);
      expect(new Set(state.attempts)).toEqual(new Set([1]));
    });

    it("does not give back and receive again, turn after turn, when the free slots' own bodies come near prefetchBytes", async () => {
      const queue = `prefetch-bytes-churn-${Date.now().toString(36)}`;
      const { Padded, state, release } = padded(queue);
      release();
      const { backend, received } = backendWith(queue, {});
      const hopper = createHopper({ backend, jobs: [Padded], logger: silent });
      hoppers.push(hopper);
      const total = 2000;
      const pad = "z".repeat(10_000);
      for (let from = 0; from < total; from += 500) await hopper.enqueueAll(Padded, Array.from({ length: 500 }, (_, n) => ({ n: from + n, pad })));
      // 100 slots of ~10 kB bodies: the messages about to start alone hold more than the 640 kB bound.
      await workUntil(hopper, { concurrency: 100, prefetchBytes: 64 * 10_000 }, () => state.started.length === total, "every job to run", 30_000);
      // The first receive (sized before any body was seen, by the largest payload: the 100 slots alone) may give part of itself back once; nothing more.
      expect(received.count).toBeLessThanOrEqual(total + 300);
      expect(new Set(state.started).size).toBe(total);
    });

    it("holds no more than prefetchBytes beyond what its free slots start, whatever the number of queues", async () => {
      const tag = Date.now().toString(36);
      const names = [0, 1, 2, 3].map((n) => `prefetch-bytes-queues-${n}-${tag}`);
      const memory = createMemoryBackend({ store: tag });
      let received = 0;
      let started = 0;
      let handedBack = 0;
      const backend: Backend = Object.create(memory, {
        receive: {
          value: async (options: Parameters<Backend["receive"]>[0]) =>
            (await memory.receive(options)).map((message) => {
              received += 1;
              return {
                id: message.id,
                body: message.body,
                deliveryAttempt: message.deliveryAttempt,
                ack: (ackOptions?: Parameters<typeof message.ack>[0]) => message.ack(ackOptions),
                extendLease: (leaseMs: number) => message.extendLease(leaseMs),
                nack: (nackOptions?: Parameters<typeof message.nack>[0]) => {
                  handedBack += 1;
                  return message.nack(nackOptions);
                },
              };
            }),
        },
      });
      const classes = names.map(
        (queue, n) =>
          class extends Job<{ n: number; pad: string }> {
            static override queue = queue;
            static override jobName = `Padded${n}`;
            async perform() {
              started += 1;
              await new Promise((resolve) => setTimeout(resolve, 5));
            }
          },
      );
      const hopper = createHopper({ backend, jobs: classes, logger: silent });
      hoppers.push(hopper);
      const body = 100_000;
      const pad = "v".repeat(body);
      for (const Padded of classes) await hopper.enqueueAll(Padded, Array.from({ length: 150 }, (_, n) => ({ n, pad })));
      const concurrency = 50;
      const worker = hopper.worker({ queues: names, order: "weighted", concurrency, prefetchBytes: 10 * body, pollWait: 50, handleSignals: false });
      const running = worker.run();
      let peakWaiting = 0;
      while (started < 600) {
        peakWaiting = Math.max(peakWaiting, received - started - handedBack);
        await new Promise((resolve) => setImmediate(resolve));
      }
      await worker.stop();
      await running;
      // Waiting: received, not started, not handed back. Beyond the free slots' 50, at most the bound's 10 (and a body).
      expect(peakWaiting).toBeLessThanOrEqual(concurrency + 10 + 1);
    });

    it("stop() resolves only once what the buffer gave back has reached the backend", async () => {
      const queue = `prefetch-bytes-stop-${Date.now().toString(36)}`;
      const { Padded, state, release } = padded(queue);
      let handedBack = 0;
      // Hand-backs that take a while to land, as a remote backend's do.
      const backend = withNack(queue, async (message, nackOptions) => {
        await new Promise((resolve) => setTimeout(resolve, 300));
        await message.nack(nackOptions);
        handedBack += 1;
      });
      const hopper = createHopper({ backend, jobs: [Padded], logger: silent });
      hoppers.push(hopper);
      await producer(queue, Padded).enqueueAll(Padded, Array.from({ length: 5 }, (_, n) => ({ n, pad: "w".repeat(60_000) })));
      // One slot: the first job starts, no other fits 50 kB, four go back at once; nothing is left to drain at stop().
      const worker = hopper.worker({ concurrency: 1, prefetchBytes: 50_000, pollWait: 50, handleSignals: false });
      const running = worker.run();
      await until(() => state.releases.length === 1, "the first job to run");
      const stopped = worker.stop();
      release();
      await stopped;
      expect(handedBack).toBe(4);
      await running;
    });

    it("stop() says in the log what it gave up waiting for when a hand-back never lands within shutdownTimeout", async () => {
      const queue = `prefetch-bytes-stuck-${Date.now().toString(36)}`;
      const { Padded, state, release } = padded(queue);
      // Hand-backs the backend never answers: a connection gone quiet.
      const backend = withNack(queue, () => new Promise<void>(() => {}));
      const warnings: string[] = [];
      const logger = { ...silent, warn: (message: string) => void warnings.push(message) };
      const hopper = createHopper({ backend, jobs: [Padded], logger });
      hoppers.push(hopper);
      await producer(queue, Padded).enqueueAll(Padded, Array.from({ length: 3 }, (_, n) => ({ n, pad: "w".repeat(60_000) })));
      const worker = hopper.worker({ concurrency: 1, prefetchBytes: 50_000, pollWait: 50, handleSignals: false, shutdownTimeout: "300ms" });
      const running = worker.run();
      await until(() => state.releases.length === 1, "the first job to run");
      release();
      await worker.stop();
      await running;
      expect(warnings).toEqual([expect.stringMatching(/^shutdown timeout reached while waiting for the backend to take back unstarted jobs \(a hand-back\); .* returns to its queue when its lease ends$/)]);
    });

    it("still runs a job whose body alone is larger than prefetchBytes (one is always kept)", async () => {
      const queue = `prefetch-bytes-one-${Date.now().toString(36)}`;
      const { Padded, state, release } = padded(queue);
      release();
      const { backend } = backendWith(queue, {});
      const hopper = createHopper({ backend, jobs: [Padded], logger: silent });
      hoppers.push(hopper);
      await hopper.enqueueAll(Padded, Array.from({ length: 3 }, (_, n) => ({ n, pad: "y".repeat(300_000) })));
      await workUntil(hopper, { concurrency: 1, prefetchBytes: 100_000 }, () => state.started.length === 3, "the three large jobs to run");
      expect(state.started).toEqual([0, 1, 2]);
      expect(state.attempts).toEqual([1, 1, 1]);
    });
  });
});
