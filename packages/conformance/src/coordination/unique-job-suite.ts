import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { createConsoleLogger, createHopper, Job, type Hopper, type JobClass, type Worker } from "@hopper/core";
import { loadCoordinationStore, type CoordinationStoreSource } from "./coordination-source.js";

export interface UniqueJobSuiteOptions {
  readonly name: string;
  /** A backend URL; every test uses its own queue on it. */
  readonly backendUrl: string;
  readonly coordination: CoordinationStoreSource;
  /** Longest wait for a job to run (slow emulators). Default 20 s. */
  readonly runTimeoutMs?: number;
  /**
   * Why the phantom-key test (15 s: it waits out the core's pending reservation) is left to another
   * suite on the same store: its send is stalled by a stand-in, so the backend under it barely matters.
   */
  readonly phantomKeyCoveredBy?: string;
}

/** Unique jobs through the core on one backend, with the coordination store holding the keys. */
export function runUniqueJobSuite(options: UniqueJobSuiteOptions): void {
  describe(`${options.name}: unique jobs`, () => {
    const opened: Hopper[] = [];
    const workers: Worker[] = [];
    afterEach(async () => {
      await Promise.all(workers.splice(0).map((worker) => worker.stop({ timeout: 0 })));
      await Promise.all(opened.splice(0).map((hopper) => hopper.close()));
    });
    const startWorker = (hopper: Hopper) => {
      const worker = hopper.worker({ pollWait: "200ms", handleSignals: false });
      workers.push(worker);
      return { worker, running: worker.run() };
    };
    const runTimeoutMs = options.runTimeoutMs ?? 20_000;

    /** A job class on a fresh queue, unique per `args.key`, that records its runs and waits for `release` when asked. */
    const uniqueJob = (until: "started" | "finished") => {
      const runs: string[] = [];
      let release: () => void = () => {};
      const gate = new Promise<void>((resolve) => (release = resolve));
      class UniqueReport extends Job<{ key: string; hold?: boolean }> {
        static override queue = `unique-${randomUUID().slice(0, 8)}`;
        static override unique = { key: (args: { key: string }) => args.key, until, ttl: "5m" };
        async perform({ key, hold }: { key: string; hold?: boolean }) {
          runs.push(key);
          if (hold) await gate;
        }
      }
      return { jobClass: UniqueReport, runs, release: () => release() };
    };
    const open = async (jobClass: JobClass) => {
      const hopper = createHopper({ url: options.backendUrl, jobs: [jobClass], coordination: await loadCoordinationStore(options.coordination), logger: createConsoleLogger("error") });
      opened.push(hopper);
      return hopper;
    };

    it("returns the queued job's id for a second enqueue of the same key, and runs the job once", { timeout: runTimeoutMs + 20_000 }, async () => {
      const { jobClass, runs } = uniqueJob("finished");
      const hopper = await open(jobClass);
      // Keys are random too: several backends may share one store in a run.
      const [one, two] = [`order-${randomUUID()}`, `order-${randomUUID()}`];
      const first = await hopper.enqueue(jobClass, { key: one });
      expect(await hopper.enqueue(jobClass, { key: one })).toBe(first);
      const [other, again] = await hopper.enqueueAll(jobClass, [{ key: two }, { key: one }]);
      expect(other).not.toBe(first);
      expect(again).toBe(first);
      const { worker, running } = startWorker(hopper);
      await until(() => runs.length >= 2, runTimeoutMs);
      // A straggling duplicate would run within this pause.
      await new Promise((resolve) => setTimeout(resolve, 500));
      await worker.stop();
      await running;
      expect([...runs].sort()).toEqual([one, two].sort());
    });

    const phantomKeyTest = options.phantomKeyCoveredBy === undefined ? it : it.skip;
    const phantomKeyCovered = options.phantomKeyCoveredBy === undefined ? "" : ` (skipped: covered by ${options.phantomKeyCoveredBy})`;
    phantomKeyTest(`leaves no phantom key when a process dies between reserving the key and sending: the key frees itself soon, not after its ttl${phantomKeyCovered}`, { timeout: 60_000 + runTimeoutMs }, async () => {
      const { jobClass } = uniqueJob("finished");
      const dying = await open(jobClass);
      const transport = await dying.backend;
      // The real backend, whose send never completes: the process "dies" after reserving the key.
      let sending: () => void = () => {};
      const sendStarted = new Promise<void>((resolve) => (sending = resolve));
      const stalled = new Proxy(transport, {
        get(target, property) {
          if (property === "enqueue") return () => (sending(), new Promise(() => {}));
          const value = Reflect.get(target, property, target) as unknown;
          return typeof value === "function" ? value.bind(target) : value;
        },
      });
      // A dead process never gives up on its send: no connectTimeout (which would fail the send and free the key at once) within the test.
      const doomed = createHopper({ backend: stalled, jobs: [jobClass], coordination: await loadCoordinationStore(options.coordination), logger: createConsoleLogger("silent"), connectTimeout: "1h" });
      const key = `k-${randomUUID()}`;
      opened.push(doomed);
      doomed.enqueue(jobClass, { key }).catch(() => {});
      await sendStarted;
      // Another process enqueues the same key until its job is really sent.
      const other = await open(jobClass);
      const queue = (jobClass as unknown as { queue: string }).queue;
      const received: string[] = [];
      let id = "";
      const deadline = Date.now() + 45_000;
      while (received.length === 0 && Date.now() < deadline) {
        id = await other.enqueue(jobClass, { key });
        for (const message of await transport.receive({ queue, maxMessages: 10, waitMs: 1000, leaseMs: 30_000 })) {
          received.push(message.id);
          await message.ack();
        }
      }
      expect(received).toEqual([id]);
    });

    it("frees the key once the job finished (until: finished) or as it starts (until: started)", { timeout: 2 * runTimeoutMs + 20_000 }, async () => {
      for (const mode of ["finished", "started"] as const) {
        const { jobClass, runs, release } = uniqueJob(mode);
        const hopper = await open(jobClass);
        const key = `k-${randomUUID()}`;
        const first = await hopper.enqueue(jobClass, { key, hold: true });
        const { worker, running } = startWorker(hopper);
        await until(() => runs.length === 1, runTimeoutMs);
        const whileRunning = await hopper.enqueue(jobClass, { key });
        if (mode === "finished") expect(whileRunning).toBe(first);
        else expect(whileRunning).not.toBe(first);
        release();
        await until(() => worker.activeCount === 0 && runs.length === (mode === "finished" ? 1 : 2), runTimeoutMs);
        const afterwards = await hopper.enqueue(jobClass, { key });
        expect([first, whileRunning]).not.toContain(afterwards);
        await worker.stop();
        await running;
      }
    });
  });
}


async function until(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
