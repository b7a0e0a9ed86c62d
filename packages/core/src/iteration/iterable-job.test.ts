import { afterEach, describe, expect, it } from "vitest";
import { createHopper, type Hopper } from "../hopper.js";
import { Job, type JobClass, type JobContext } from "../job.js";
import { createConsoleLogger } from "../logger.js";
import { createMemoryBackend } from "../memory/memory-backend.js";
import { ConfigurationError } from "../errors/configuration-error.js";
import { IterationError } from "../errors/iteration-error.js";
import type { Worker } from "../worker/worker.js";
import { createMemoryRecordStore } from "../records/memory-record-store.js";
import type { RecordStore } from "../records/record-store.js";
import { IterableJob, type IterationContext } from "./iterable-job.js";
import { until as waitUntil } from "../test-fixtures/until.js";

const silent = createConsoleLogger("silent");
let counter = 0;
const uniqueName = (label: string) => `iter-${label}-${Date.now().toString(36)}-${counter++}`;
const hoppers: Hopper[] = [];
afterEach(async () => {
  await Promise.all(hoppers.splice(0).map((hopper) => hopper.close()));
});

function memoryHopper(jobs: Parameters<typeof createHopper>[0]["jobs"], store: string, records = false): Hopper {
  const hopper = createHopper({ backend: createMemoryBackend({ store }), jobs, logger: silent, ...(records && { records: {} }) });
  hoppers.push(hopper);
  return hopper;
}

const until = (predicate: () => boolean | Promise<boolean>, description: string) => waitUntil(predicate, description, 15_000);

function* range(from: number, to: number): Iterable<readonly [number, number]> {
  for (let index = from; index < to; index++) yield [index, index + 1];
}

/** Runs a worker on `queue` until `done()`, stopping it afterwards. */
async function runUntil(hopper: Hopper, queue: string, done: () => boolean | Promise<boolean>, description: string): Promise<void> {
  const worker = hopper.worker({ queues: [queue], concurrency: 1, pollWait: 50, handleSignals: false });
  const running = worker.run();
  try {
    await until(done, description);
  } finally {
    await worker.stop({ timeout: 10_000 });
    await running;
  }
}

describe("iterable jobs", () => {
  it("stops at an item boundary when the worker stops, and a later worker continues from the cursor without spending an attempt", async () => {
    const queue = uniqueName("stop");
    const seen = new Map<number, number>();
    const attempts: number[] = [];
    let current: Worker | undefined;
    let finished = 0;
    class Walk extends IterableJob<{ count: number }> {
      static override queue = queue;
      async perform({ count }: { count: number }, context: IterationContext) {
        attempts.push(context.attempt);
        await context.iterate("numbers", (after: number | undefined) => range(after ?? 0, count), (item) => {
          seen.set(item, (seen.get(item) ?? 0) + 1);
          // Deterministic: the worker is told to stop while item 300 is being processed.
          if (item === 300) void current!.stop({ timeout: 30_000 });
        });
        finished++;
      }
    }
    const hopper = memoryHopper([Walk], queue);
    await Walk.performLater({ count: 1000 });
    current = hopper.worker({ queues: [queue], concurrency: 1, pollWait: 50, handleSignals: false });
    await current.run();
    expect(finished).toBe(0);
    expect(seen.size).toBe(301);
    await runUntil(hopper, queue, () => finished === 1, "the job to finish");
    expect([...seen.values()].every((times) => times === 1)).toBe(true);
    expect(seen.size).toBe(1000);
    expect(attempts).toEqual([1, 1]);
  });

  it("hands a stopped job back due at once, with its attempt unspent: the next receive gets it", async () => {
    const queue = uniqueName("handoff");
    let current: Worker | undefined;
    class Walk extends IterableJob<{ count: number }> {
      static override queue = queue;
      async perform({ count }: { count: number }, context: IterationContext) {
        await context.iterate("numbers", (after: number | undefined) => range(after ?? 0, count), (item) => {
          if (item === 10) void current!.stop({ timeout: 30_000 });
        });
      }
    }
    const backend = createMemoryBackend({ store: queue });
    const hopper = createHopper({ backend, jobs: [Walk], logger: silent });
    hoppers.push(hopper);
    await Walk.performLater({ count: 100 });
    // A long poll wait: a hand-off delay derived from it (6 s here) could not pass before the receive below.
    current = hopper.worker({ queues: [queue], concurrency: 1, pollWait: "5s", handleSignals: false });
    await current.run();
    const [message, ...more] = await backend.receive({ queue, maxMessages: 10, waitMs: 0, leaseMs: 30_000 });
    expect(more).toEqual([]);
    expect(message, "the stopped job's copy was not due at once").toBeDefined();
    const envelope = JSON.parse(message!.body) as { attempt: number; runAt?: string; meta: Record<string, string> };
    expect(envelope.runAt).toBeUndefined();
    expect(envelope.attempt).toBe(1);
    expect(message!.deliveryAttempt ?? 1).toBe(1);
    expect(JSON.parse(envelope.meta["hopper.iteration"]!)).toMatchObject({ step: "numbers", cursor: 11, items: 11 });
  });

  it("skips finished steps and iterates on resume, and runs a slice-limited job in several slices", async () => {
    const queue = uniqueName("slices");
    const ran: string[] = [];
    const items: number[] = [];
    let runs = 0;
    class Phased extends IterableJob<Record<string, never>> {
      static override queue = queue;
      static override iteration = { maxSliceTime: 20 };
      async perform(_args: Record<string, never>, context: IterationContext) {
        runs++;
        await context.step("prepare", () => {
          ran.push("prepare");
        });
        await context.iterate("items", (after: number | undefined) => range(after ?? 0, 30), async (item) => {
          items.push(item);
          await new Promise((resolve) => setTimeout(resolve, 5));
        });
        await context.step("finish", () => {
          ran.push("finish");
        });
      }
    }
    const hopper = memoryHopper([Phased], queue);
    await Phased.performLater({});
    await runUntil(hopper, queue, () => ran.includes("finish"), "the job to finish");
    expect(ran).toEqual(["prepare", "finish"]);
    expect(items).toEqual([...range(0, 30)].map(([item]) => item));
    // Each item takes at least 5 ms, so a 20 ms slice cannot hold all 30.
    expect(runs).toBeGreaterThan(1);
  });

  it("makes progress in every slice, even when the slice is over before its first item", async () => {
    const queue = uniqueName("slowstart");
    const items: number[] = [];
    let runs = 0;
    let finished = false;
    class SlowStart extends IterableJob<Record<string, never>> {
      static override queue = queue;
      static override iteration = { maxSliceTime: 1 };
      async perform(_args: Record<string, never>, context: IterationContext) {
        runs++;
        // Longer than the slice: the slice is over before the first item of every run.
        await new Promise((resolve) => setTimeout(resolve, 5));
        await context.iterate("items", (after: number | undefined) => range(after ?? 0, 5), (item) => {
          items.push(item);
        });
        finished = true;
      }
    }
    const hopper = memoryHopper([SlowStart], queue);
    await SlowStart.performLater({});
    await runUntil(hopper, queue, () => finished, "the job to finish (a run that yields before its first item never does)");
    expect(items).toEqual([0, 1, 2, 3, 4]);
    // One item per run (each run's slice is over when it starts), then a run that finds the source empty.
    expect(runs).toBe(6);
  });

  it("resumes a cursor saved under version 1 with version 2's cursor upgrade", async () => {
    const queue = uniqueName("versions");
    const store = uniqueName("store");
    const processed: string[] = [];
    let current: Worker | undefined;
    const upgradeCalls: unknown[] = [];
    class V1 extends IterableJob<{ letters: string }> {
      static override jobName = "Letters";
      static override queue = queue;
      async perform({ letters }: { letters: string }, context: IterationContext) {
        // Version 1's cursor: an index.
        await context.iterate("letters", (after: number | undefined) => [...letters].slice(after ?? 0).map((letter, offset) => [letter, (after ?? 0) + offset + 1] as const), (letter) => {
          processed.push(`v1:${letter}`);
          if (letter === "c") void current!.stop({ timeout: 30_000 });
        });
      }
    }
    class V2 extends IterableJob<{ text: string }> {
      static override jobName = "Letters";
      static override queue = queue;
      static override version = 2;
      static override upgrades = { 1: (old: { letters: string }) => ({ text: old.letters }) };
      // Version 2's cursor: the last letter done, as an object.
      static override cursorUpgrades = {
        1: (index: number, step: string) => {
          upgradeCalls.push([index, step]);
          return { after: index };
        },
      };
      async perform({ text }: { text: string }, context: IterationContext) {
        await context.iterate("letters", (cursor: { after: number } | undefined) => [...text].slice(cursor?.after ?? 0).map((letter, offset) => [letter, { after: (cursor?.after ?? 0) + offset + 1 }] as const), (letter) => {
          processed.push(`v2:${letter}`);
        });
      }
    }
    const old = memoryHopper([V1], store);
    await V1.performLater({ letters: "abcdef" });
    current = old.worker({ queues: [queue], concurrency: 1, pollWait: 50, handleSignals: false });
    await current.run();
    const next = memoryHopper([V2], store);
    await runUntil(next, queue, () => processed.length === 6, "version 2 to finish the letters");
    expect(processed).toEqual(["v1:a", "v1:b", "v1:c", "v2:d", "v2:e", "v2:f"]);
    expect(upgradeCalls).toEqual([[3, "letters"]]);
  });

  it("an older worker holds back a job whose cursor a newer version saved (a mixed fleet mid-deploy); the newer one finishes it", async () => {
    const queue = uniqueName("downgrade");
    const store = uniqueName("store");
    const seen = new Map<number, string[]>();
    let current: Worker | undefined;
    let olderRuns = 0;
    let finished = false;
    const walk = (label: string, stopAt?: number) => (item: number) => {
      seen.set(item, [...(seen.get(item) ?? []), label]);
      if (item === stopAt) void current!.stop({ timeout: 30_000 });
    };
    class V1 extends IterableJob<{ count: number }> {
      static override jobName = "Countdown";
      static override queue = queue;
      async perform({ count }: { count: number }, context: IterationContext) {
        olderRuns++;
        await context.iterate("n", (after: number | undefined) => range(after ?? 0, count), walk("v1"));
      }
    }
    const v2 = (stopAt?: number) =>
      class V2 extends IterableJob<{ count: number }> {
        static override jobName = "Countdown";
        static override queue = queue;
        static override version = 2;
        static override upgrades = { 1: (old: { count: number }) => old };
        async perform({ count }: { count: number }, context: IterationContext) {
          await context.iterate("n", (after: number | undefined) => range(after ?? 0, count), walk("v2", stopAt));
          finished = true;
        }
      };
    memoryHopper([V1], store);
    // Enqueued by version 1, started by version 2, which stops at item 4: its copy carries payload version 1 and a version 2 cursor.
    await V1.performLater({ count: 10 });
    current = memoryHopper([v2(4)], store).worker({ queues: [queue], concurrency: 1, pollWait: 50, handleSignals: false });
    await current.run();
    const warnings: Record<string, unknown>[] = [];
    const recording = { ...silent, warn: (message: string, fields?: Record<string, unknown>) => void warnings.push({ message, ...fields }) };
    const olderWithLog = createHopper({ backend: createMemoryBackend({ store }), jobs: [V1], logger: recording });
    hoppers.push(olderWithLog);
    const olderWorker = olderWithLog.worker({ queues: [queue], concurrency: 1, pollWait: 50, handleSignals: false, newerVersionRetry: 50 });
    const olderRunning = olderWorker.run();
    await until(() => warnings.length > 0, "version 1 to hold the job back");
    await olderWorker.stop({ timeout: 10_000 });
    await olderRunning;
    expect(olderRuns).toBe(0);
    expect(warnings[0]).toMatchObject({ message: "payload is newer than this worker; holding it back for a newer worker", payloadVersion: 2, knownVersion: 1 });
    await runUntil(memoryHopper([v2()], store), queue, () => finished, "version 2 to finish");
    expect([...seen.values()]).toEqual([...range(0, 10)].map(() => ["v2"]));
  });

  it("dead-letters a job whose cursor does not survive JSON, naming the job, the iterate and the fix", async () => {
    const queue = uniqueName("badcursor");
    class DateCursor extends IterableJob<Record<string, never>> {
      static override queue = queue;
      async perform(_args: Record<string, never>, context: IterationContext) {
        await context.iterate("days", () => [[1, new Date(0)]] as const, () => {});
      }
    }
    const hopper = memoryHopper([DateCursor], queue);
    await DateCursor.performLater({});
    const deadLetters = hopper.deadLetters(queue);
    await runUntil(hopper, queue, async () => (await deadLetters.peek()).length > 0, "the dead letter");
    const letters = await deadLetters.peek();
    expect(letters).toHaveLength(1);
    expect(letters[0]!.error.name).toBe("IterationError");
    expect(letters[0]!.error.message).toMatch(/DateCursor iterate\("days"\) cursor: the cursor is a Date.*plain JSON cursor/);
    expect(letters[0]!.attempt).toBe(1);
  });

  it("refuses a step name used twice in one run, and context.iterate in a plain Job", async () => {
    const errors: unknown[] = [];
    class Twice extends IterableJob<Record<string, never>> {
      async perform(_args: Record<string, never>, context: IterationContext) {
        await context.step("load", () => {});
        await context.step("load", () => {});
      }
    }
    class Plain extends Job<Record<string, never>> {
      async perform(_args: Record<string, never>, context: JobContext) {
        await (context as IterationContext).iterate("x", () => [], () => {});
      }
    }
    memoryHopper([Twice, Plain], uniqueName("twice"));
    await Twice.performNow({}).catch((error: unknown) => errors.push(error));
    expect(IterationError.isInstance(errors[0])).toBe(true);
    expect((errors[0] as Error).message).toMatch(/Twice step\("load"\): this name was already used in this run/);
    // performNow gives a plain Job no iterate; a worker's run refuses it with the fix.
    const queue = uniqueName("plain");
    class PlainQueued extends Job<Record<string, never>> {
      static override queue = queue;
      async perform(_args: Record<string, never>, context: JobContext) {
        await (context as IterationContext).iterate("x", () => [], () => {});
      }
    }
    const hopper = memoryHopper([PlainQueued], queue);
    await PlainQueued.performLater({});
    const deadLetters = hopper.deadLetters(queue);
    await runUntil(hopper, queue, async () => (await deadLetters.peek()).length > 0, "the dead letter");
    const letters = await deadLetters.peek();
    expect(letters[0]!.error.message).toMatch(/context\.iterate: is for jobs that extend IterableJob/);
  });

  it("refuses bad iteration options at registration, naming the field", () => {
    class BadItems extends IterableJob<Record<string, never>> {
      static override iteration = { checkpointItems: 0 };
      async perform() {}
    }
    class BadKey extends IterableJob<Record<string, never>> {
      static override iteration = { checkpointEvery: 5 } as never;
      async perform() {}
    }
    class BadUpgrade extends IterableJob<Record<string, never>> {
      static override cursorUpgrades = { 1: (cursor: unknown) => cursor };
      async perform() {}
    }
    const fieldOf = (jobClass: JobClass) => {
      try {
        createHopper({ backend: createMemoryBackend({ store: uniqueName("bad") }), jobs: [jobClass], logger: silent });
      } catch (error) {
        return ConfigurationError.isInstance(error) ? error.field : `not a ConfigurationError: ${String(error)}`;
      }
      return "accepted";
    };
    expect(fieldOf(BadItems)).toBe("BadItems.iteration.checkpointItems");
    expect(fieldOf(BadKey)).toBe("BadKey.iteration.checkpointEvery");
    expect(fieldOf(BadUpgrade)).toBe("BadUpgrade.cursorUpgrades.1");
  });

  it("costs one record read per run and one progress write per checkpoint; a plain job reads and writes none", async () => {
    const queue = uniqueName("costs");
    const calls = { get: 0, progress: 0 };
    const inner = createMemoryRecordStore();
    const store: RecordStore = {
      ...inner,
      get: (id) => {
        calls.get++;
        return inner.get(id);
      },
      progress: (id, progress) => {
        calls.progress++;
        return inner.progress(id, progress);
      },
    };
    let finished = 0;
    class Counted extends IterableJob<Record<string, never>> {
      static override queue = queue;
      static override iteration = { checkpointItems: 100, checkpointInterval: "1h" };
      async perform(_args: Record<string, never>, context: IterationContext) {
        await context.iterate("n", (after: number | undefined) => range(after ?? 0, 1000), () => {});
        finished++;
      }
    }
    class Plain extends Job<Record<string, never>> {
      static override queue = queue;
      async perform() {
        finished++;
      }
    }
    const hopper = createHopper({ backend: createMemoryBackend({ store: queue }), jobs: [Counted, Plain], logger: silent, records: { store, cancelCheck: "1h" } });
    hoppers.push(hopper);
    await Plain.performLater({});
    await runUntil(hopper, queue, () => finished === 1, "the plain job");
    expect(calls).toEqual({ get: 0, progress: 0 });
    await Counted.performLater({});
    await runUntil(hopper, queue, () => finished === 2, "the iterable job");
    // Ten checkpoints (every 100 of 1000 items) and one as the iterate finished; one read of the last checkpoint.
    expect(calls).toEqual({ get: 1, progress: 11 });
  });

  it("runs every step in process with performNow", async () => {
    const seen: number[] = [];
    class Local extends IterableJob<Record<string, never>, number> {
      async perform(_args: Record<string, never>, context: IterationContext) {
        await context.iterate("n", (after: number | undefined) => range(after ?? 0, 5), (item) => {
          seen.push(item);
        });
        return seen.length;
      }
    }
    memoryHopper([Local], uniqueName("local"));
    expect((await Local.performNow({})).result).toBe(5);
  });
});
