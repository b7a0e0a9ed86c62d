import { afterEach, describe, expect, it } from "vitest";
import { createConsoleLogger, createHopper, createMemoryCoordinationStore, Job, type CoordinationStore, type Hopper, type HopperOptions, type JobClass, type JobContext, type Logger, type Middleware } from "@hopper/core";
import { uniqueQueueName, waitFor } from "../harness.js";
import { flowScenarios } from "./flow-scenarios.js";
import { nestedBatchScenarios } from "./nested-batch-scenarios.js";

export interface BatchSuiteOptions {
  readonly name: string;
  /** Where a Hopper sends its jobs: `{ url }` or `{ backend }` (a fresh backend per call, on a shared server). */
  readonly connect: () => Promise<Pick<HopperOptions, "url" | "backend">>;
  /** The shared store batches keep their state in; absent: the Hopper's default for the backend. */
  readonly createCoordinationStore?: () => Promise<CoordinationStore>;
}

/** Counts of runs, per test: job classes are made per test, so each closes over its own counters. */
class Runs {
  readonly byKey = new Map<string, number>();
  add(key: string): number {
    const count = (this.byKey.get(key) ?? 0) + 1;
    this.byKey.set(key, count);
    return count;
  }
  of(key: string): number {
    return this.byKey.get(key) ?? 0;
  }
}

/** Batches end to end on a real backend and coordination store: callbacks enqueued once and succeeding once. */
export function runBatchSuite(options: BatchSuiteOptions): void {
  describe(`${options.name} batches`, () => {
    const opened: Hopper[] = [];
    const stops: (() => Promise<void>)[] = [];
    afterEach(async () => {
      await Promise.all(stops.splice(0).map((stop) => stop()));
      await Promise.all(opened.splice(0).map((hopper) => hopper.close()));
    });
    const logger = createConsoleLogger(process.env.HOPPER_LOG_LEVEL ? undefined : "silent");

    const open = async (jobs: readonly JobClass[], middleware: Middleware[] = [], extra: Pick<HopperOptions, "records" | "logger" | "coordination"> = {}) => {
      const coordination = options.createCoordinationStore ? { coordination: await options.createCoordinationStore() } : {};
      const hopper = createHopper({ ...(await options.connect()), jobs, logger, middleware, ...coordination, ...extra });
      opened.push(hopper);
      return hopper;
    };
    const start = (hopper: Hopper, queues: string | string[], lease = "20s") => {
      const worker = hopper.worker({ queues: typeof queues === "string" ? [queues] : queues, concurrency: 20, pollWait: 200, lease, handleSignals: false });
      const running = worker.run();
      stops.push(async () => {
        await worker.stop();
        await running;
      });
    };

    /** Callback jobs counting their runs under `${kind}:${batchId}`. */
    const callbacks = (queue: string, runs: Runs) => {
      class OnSuccess extends Job<{ batch: string }> {
        static override queue = queue;
        static override jobName = `${queue}-on-success`;
        async perform({ batch }: { batch: string }) {
          runs.add(`onSuccess:${batch}`);
        }
      }
      class OnComplete extends Job<{ batch: string }> {
        static override queue = queue;
        static override jobName = `${queue}-on-complete`;
        async perform({ batch }: { batch: string }) {
          runs.add(`onComplete:${batch}`);
        }
      }
      return { OnSuccess, OnComplete };
    };

    it("a batch of one job: both callbacks enqueued once and succeeding once", async () => {
      const queue = uniqueQueueName("batch1");
      const runs = new Runs();
      class Child extends Job<{ n: number }> {
        static override queue = queue;
        async perform(_args: { n: number }, context: JobContext) {
          runs.add(`child:${context.batch?.id}`);
        }
      }
      const { OnSuccess, OnComplete } = callbacks(queue, runs);
      const hopper = await open([Child, OnSuccess, OnComplete]);
      const batch = await hopper.batch({ onSuccess: [OnSuccess, { batch: "b" }], onComplete: [OnComplete, { batch: "b" }], description: "one" });
      await batch.add(Child, { n: 1 });
      await batch.seal();
      start(hopper, queue);
      await waitFor(async () => (await batch.status()).callbacks.onComplete === "succeeded" && (await batch.status()).callbacks.onSuccess === "succeeded", "both callbacks to succeed");
      expect(await batch.status()).toMatchObject({ id: batch.id, description: "one", sealed: true, total: 1, pending: 0, succeeded: 1, failed: 0, dead: 0, deadJobIds: [] });
      expect(runs.of(`child:${batch.id}`)).toBe(1);
      expect(runs.of("onSuccess:b")).toBe(1);
      expect(runs.of("onComplete:b")).toBe(1);
    });

    it("a batch of 1,000 jobs with retries and dead jobs: onComplete once, onSuccess never, the dead ids listed", async () => {
      const queue = uniqueQueueName("batch1000");
      const runs = new Runs();
      class Flaky extends Job<{ n: number }> {
        static override queue = queue;
        static override retry = { attempts: 2, wait: 10, jitter: 0 };
        async perform({ n }: { n: number }, context: JobContext) {
          runs.add(`flaky:${n}`);
          // Every 100th always fails (dead after its 2 attempts); every 10th fails once, then succeeds on its retry.
          if (n % 100 === 0) throw new Error(`job ${n} always fails`);
          if (n % 10 === 5 && context.attempt === 1) throw new Error(`job ${n} fails once`);
        }
      }
      const { OnSuccess, OnComplete } = callbacks(queue, runs);
      const hopper = await open([Flaky, OnSuccess, OnComplete]);
      const batch = await hopper.batch({ onSuccess: [OnSuccess, { batch: "big" }], onComplete: [OnComplete, { batch: "big" }] });
      // Added in several calls, the workers already running.
      start(hopper, queue);
      const numbers = Array.from({ length: 1000 }, (_, index) => index);
      const ids: string[] = [];
      for (let from = 0; from < 1000; from += 250) ids.push(...(await batch.addAll(Flaky, numbers.slice(from, from + 250).map((n) => ({ n })))));
      await batch.seal();
      await waitFor(async () => (await batch.status()).callbacks.onComplete === "succeeded", "onComplete to succeed", 180_000);
      const status = await batch.status();
      const deadIds = numbers.filter((n) => n % 100 === 0).map((n) => ids[n]!);
      expect(status).toMatchObject({ sealed: true, total: 1000, pending: 0, succeeded: 990, failed: 0, dead: 10 });
      expect([...status.deadJobIds].sort()).toEqual([...deadIds].sort());
      expect(status.callbacks).toEqual({ onSuccess: "waiting", onComplete: "succeeded" });
      expect(runs.of("onComplete:big")).toBe(1);
      expect(runs.of("onSuccess:big")).toBe(0);
      // The retried ones really ran twice.
      expect(runs.of("flaky:5")).toBe(2);
      expect(runs.of("flaky:100")).toBe(2);
    }, 240_000);

    it("jobs added from inside a running job of the batch keep it open until they finish", async () => {
      const queue = uniqueQueueName("batchnest");
      const runs = new Runs();
      class Leaf extends Job<{ n: number }> {
        static override queue = queue;
        async perform({ n }: { n: number }) {
          runs.add("leaf");
          runs.add(`leaf:${n}`);
        }
      }
      class Fanout extends Job<{ count: number }> {
        static override queue = queue;
        async perform({ count }: { count: number }, context: JobContext) {
          runs.add("fanout");
          await context.batch!.addAll(Leaf, Array.from({ length: count }, (_, n) => ({ n })));
        }
      }
      const { OnSuccess, OnComplete } = callbacks(queue, runs);
      const hopper = await open([Leaf, Fanout, OnSuccess, OnComplete]);
      const batch = await hopper.batch({ onSuccess: [OnSuccess, { batch: "nest" }] });
      await batch.add(Fanout, { count: 5 });
      await batch.seal();
      start(hopper, queue);
      await waitFor(async () => (await batch.status()).callbacks.onSuccess === "succeeded", "onSuccess to succeed", 60_000);
      // Every leaf ran before the callback was enqueued: it was decided only once nothing was pending.
      expect(runs.of("leaf")).toBe(5);
      expect(await batch.status()).toMatchObject({ total: 6, succeeded: 6, pending: 0 });
      expect(runs.of("onSuccess:nest")).toBe(1);
    }, 90_000);

    it("a finisher that fails between its claim and the callback's enqueue is redelivered and sends the callback once", async () => {
      const queue = uniqueQueueName("batchclaim");
      const runs = new Runs();
      class Child extends Job<{ n: number }> {
        static override queue = queue;
        async perform() {
          runs.add("child");
        }
      }
      const { OnSuccess, OnComplete } = callbacks(queue, runs);
      let refused = 0;
      let sent = 0;
      // The callback's first enqueue fails after the claim was taken, as a crash there would leave it.
      const failFirstCallbackSend: Middleware = {
        async enqueue(context, next) {
          if (context.jobName !== OnComplete.jobName) return next();
          if (refused === 0) {
            refused += 1;
            throw new Error("simulated crash between the claim and the callback's enqueue");
          }
          const ids = await next();
          sent += 1;
          return ids;
        },
      };
      const hopper = await open([Child, OnSuccess, OnComplete], [failFirstCallbackSend]);
      const batch = await hopper.batch({ onComplete: [OnComplete, { batch: "claim" }] });
      await batch.add(Child, { n: 1 });
      await batch.seal();
      start(hopper, queue, "1s");
      await waitFor(async () => (await batch.status()).callbacks.onComplete === "succeeded", "onComplete to succeed after the child's redelivery", 60_000);
      expect(refused).toBe(1);
      expect(sent).toBe(1);
      expect(runs.of("onComplete:claim")).toBe(1);
      // The child was not acked after the failed bookkeeping: its redelivered copy ran again and finished the claim.
      expect(runs.of("child")).toBe(2);
      expect(await batch.status()).toMatchObject({ total: 1, succeeded: 1, pending: 0 });
    }, 90_000);

    // Two finishers of one batch at once (a lease lost under load: both copies of the last job hold the same claim), or a
    // crash between the callback's enqueue and its mark, send the callback twice; the copies must not both run.
    it("a callback sent twice runs once: a copy that arrives while the other runs waits, then is dropped", async () => {
      const queue = uniqueQueueName("batchtwice");
      let running = 0;
      let mostAtOnce = 0;
      let performed = 0;
      class Slow extends Job<{ batch: string }> {
        static override queue = queue;
        static override jobName = `${queue}-slow-callback`;
        async perform() {
          performed += 1;
          running += 1;
          mostAtOnce = Math.max(mostAtOnce, running);
          await new Promise((resolve) => setTimeout(resolve, 300));
          running -= 1;
        }
      }
      let sent = 0;
      const sendCallbackTwice: Middleware = {
        async enqueue(context, next) {
          if (context.jobName !== Slow.jobName) return next();
          const ids = await next();
          await next();
          sent += 2;
          return ids;
        },
      };
      const hopper = await open([Slow], [sendCallbackTwice]);
      const batch = await hopper.batch({ onComplete: [Slow, { batch: "twice" }] });
      await batch.seal();
      expect(sent).toBe(2);
      start(hopper, queue, "2s");
      await waitFor(async () => (await batch.status()).callbacks.onComplete === "succeeded", "the callback to succeed", 30_000);
      // Past the waiting copy's return (a quarter lease, at most 1 s, ±50 %): it finds the callback succeeded and is dropped.
      await new Promise((resolve) => setTimeout(resolve, 2500));
      expect(mostAtOnce).toBe(1);
      expect(performed).toBe(1);
    }, 90_000);

    it("a callback copy whose run claim lapsed while it ran (renewals stalled) is refused at its end: the callback succeeds once", async () => {
      const queue = uniqueQueueName("batchfence");
      const lines: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
      const capture = (level: string) => (message: string, fields?: Record<string, unknown>) => void lines.push({ level, message, ...(fields && { fields }) });
      const capturing: Logger = { debug: capture("debug"), info: capture("info"), warn: capture("warn"), error: capture("error") };
      // The store, with every renewal swallowed while the first copy runs: its claim lapses as a stalled process's would,
      // while its message lease (renewed with the backend) holds, so its run goes on to its end.
      const store = options.createCoordinationStore ? await options.createCoordinationStore() : createMemoryCoordinationStore();
      let stalled = false;
      const stalling = new Proxy(store, {
        get(target, property) {
          const value = Reflect.get(target, property, target) as unknown;
          if (typeof value !== "function") return value;
          if (typeof property === "string" && property.startsWith("extend")) return async (...args: unknown[]) => (stalled ? true : (value as (...args: unknown[]) => unknown).apply(target, args));
          return (value as (...args: unknown[]) => unknown).bind(target);
        },
      });
      let performed = 0;
      let callbackId: string | undefined;
      let batch: Awaited<ReturnType<Hopper["batch"]>> | undefined;
      class Stalling extends Job<{ batch: string }> {
        static override queue = queue;
        static override jobName = `${queue}-stalling-callback`;
        async perform(_args: { batch: string }, context: JobContext) {
          callbackId = context.jobId;
          performed += 1;
          if (performed > 1) return;
          // The first copy: its claim lapses, the other copy takes it, runs and succeeds; only then does this one end.
          stalled = true;
          try {
            await waitFor(async () => (await batch!.status()).callbacks.onComplete === "succeeded", "the other copy to succeed", 30_000);
          } finally {
            stalled = false;
          }
        }
      }
      const sendCallbackTwice: Middleware = {
        async enqueue(context, next) {
          if (context.jobName !== Stalling.jobName) return next();
          const ids = await next();
          await next();
          return ids;
        },
      };
      const hopper = await open([Stalling], [sendCallbackTwice], { logger: capturing, coordination: stalling });
      batch = await hopper.batch({ onComplete: [Stalling, { batch: "fence" }] });
      await batch.seal();
      start(hopper, queue, "2s");
      const about = (pattern: RegExp) => lines.filter((line) => line.fields?.jobId === callbackId && pattern.test(line.message));
      // Each copy's end is one line: "job succeeded", or the late copy's refusal.
      await waitFor(async () => performed >= 2 && about(/^job succeeded$|refused/).length >= 2, "both copies to end", 60_000);
      expect(performed, "both copies ran: the stall let the second through").toBe(2);
      expect(about(/^job succeeded$/), "the callback's success recorded once").toHaveLength(1);
      expect(about(/refused/).filter((line) => line.level === "warn"), "the late copy's end refused, and logged").toHaveLength(1);
      expect((await batch.status()).callbacks.onComplete).toBe("succeeded");
    }, 90_000);

    it("a chain runs its steps in order, each once; a dead step stops it and the steps after it never run", async () => {
      const queue = uniqueQueueName("chain");
      const order: string[] = [];
      class Step extends Job<{ name: string; fail?: boolean }> {
        static override queue = queue;
        static override retry = { attempts: 2, wait: 10, jitter: 0 };
        async perform({ name, fail }: { name: string; fail?: boolean }) {
          order.push(name);
          if (fail) throw new Error(`step ${name} fails`);
        }
      }
      const hopper = await open([Step]);
      start(hopper, queue);
      const good = await hopper.chain([Step, { name: "a" }], [Step, { name: "b" }], [Step, { name: "c" }]);
      await waitFor(async () => (await good.status()).state === "succeeded", "the chain to succeed", 60_000);
      expect(order).toEqual(["a", "b", "c"]);
      expect((await good.status()).steps.map((step) => step.state)).toEqual(["succeeded", "succeeded", "succeeded"]);

      order.length = 0;
      const broken = await hopper.chain([Step, { name: "x" }], [Step, { name: "y", fail: true }], [Step, { name: "z" }]);
      await waitFor(async () => (await broken.status()).state === "stopped", "the chain to stop", 60_000);
      const status = await broken.status();
      expect(status).toMatchObject({ state: "stopped", stoppedAt: 1 });
      expect(status.steps.map((step) => step.state)).toEqual(["succeeded", "dead", "waiting"]);
      // Give a wrongly sent third step time to show up: the worker is still running.
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(order).toEqual(["x", "y", "y"]);
    }, 90_000);

    flowScenarios({ open, start });
    nestedBatchScenarios({ open, start });
  });
}
