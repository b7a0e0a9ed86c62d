import { createConsoleLogger, createHopper, Job, type Hopper, type JobContext } from "@hopper/core";
import { waitFor } from "@hopper/conformance";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { olderCoordinationReleases } from "./test-fixtures/older-coordination-releases.js";
import { postgresTargets, uniqueQueue } from "./test-postgres-targets.js";

/**
 * A batch whose jobs are added and finished by workers of two releases sharing one database during a rolling
 * deploy: this one, and v4 (its entry statements and its "nothing pending" check, `olderCoordinationReleases.v4`).
 * Each worker serves a queue of its own, so the test decides which release settles which job.
 */
describe.each(postgresTargets().map((target) => [target.name, target] as const))("%s: a batch settled by v4 and v5 workers", (_name, target) => {
  // Starting the embedded database takes seconds, tens of them on a loaded machine: not the first test's time.
  beforeAll(() => target.query("SELECT 1"), 120_000);
  const opened: Hopper[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((hopper) => hopper.close()));
  });
  const logger = createConsoleLogger(process.env.HOPPER_LOG_LEVEL ? undefined : "silent");

  const releases = async () => {
    const events: string[] = [];
    const newQueue = uniqueQueue("v5");
    const oldQueue = uniqueQueue("v4");
    class Child extends Job<{ n: number }> {
      static override queue = newQueue;
      static override jobName = "RollingBatchChild";
      async perform({ n }: { n: number }, context: JobContext) {
        events.push(`child ${n} on ${context.queue}`);
      }
    }
    class OnSuccess extends Job<Record<string, never>> {
      static override queue = newQueue;
      static override jobName = "RollingBatchOnSuccess";
      async perform() {
        events.push("onSuccess");
      }
    }
    const hopperOf = async (release: "v4" | "v5") => {
      const store = await target.createCoordinationStore();
      const coordination = release === "v5" ? store : olderCoordinationReleases.v4(store, target.query, target.schema);
      const hopper = createHopper({ backend: await target.createBackend(), coordination, jobs: [Child, OnSuccess], logger });
      opened.push(hopper);
      return hopper;
    };
    const [current, older] = [await hopperOf("v5"), await hopperOf("v4")];
    /** Runs a worker of `hopper` on `queue` until `done`, then stops it (its jobs settled and acked). */
    const work = async (hopper: Hopper, queue: string, done: () => Promise<boolean>, description: string) => {
      const worker = hopper.worker({ queues: [queue], concurrency: 2, pollWait: 100, handleSignals: false });
      const running = worker.run();
      try {
        await waitFor(done, description);
      } finally {
        await worker.stop();
        await running;
      }
    };
    return { events, newQueue, oldQueue, Child, OnSuccess, current, older, work };
  };

  it("a job a v4 process added keeps the batch open until it finishes (onSuccess fired once the v5 worker finished the others)", { timeout: 60_000 }, async () => {
    const { events, newQueue, oldQueue, Child, OnSuccess, current, older, work } = await releases();
    const batch = await current.batch({ onSuccess: [OnSuccess, {}] });
    await batch.add(Child, { n: 1 });
    await older.batches.get(batch.id).add(Child, { n: 2 }, { queue: oldQueue });
    await batch.seal();
    await work(current, newQueue, async () => (await batch.status()).succeeded === 1, "the v5 worker to finish job 1");
    expect((await batch.status()).callbacks.onSuccess).toBe("waiting");
    await work(older, oldQueue, async () => (await batch.status()).succeeded === 2, "the v4 worker to finish job 2");
    await work(current, newQueue, async () => (await batch.status()).callbacks.onSuccess === "succeeded", "onSuccess to succeed");
    expect(events).toEqual([`child 1 on ${newQueue}`, `child 2 on ${oldQueue}`, "onSuccess"]);
    expect(await batch.status()).toMatchObject({ total: 2, pending: 0, succeeded: 2 });
  });

  it("a job a v4 worker finished is counted down (the batch never fired when a v5 worker finished the last one)", { timeout: 60_000 }, async () => {
    const { events, newQueue, oldQueue, Child, OnSuccess, current, older, work } = await releases();
    const batch = await current.batch({ onSuccess: [OnSuccess, {}] });
    await batch.add(Child, { n: 1 });
    await batch.add(Child, { n: 2 }, { queue: oldQueue });
    await batch.seal();
    await work(older, oldQueue, async () => (await batch.status()).succeeded === 1, "the v4 worker to finish job 2");
    await work(current, newQueue, async () => (await batch.status()).succeeded === 2, "the v5 worker to finish job 1");
    // Sent by job 1's bookkeeping, before its ack.
    expect((await batch.status()).callbacks.onSuccess).not.toBe("waiting");
    await work(current, newQueue, async () => (await batch.status()).callbacks.onSuccess === "succeeded", "onSuccess to succeed");
    expect(events).toEqual([`child 2 on ${oldQueue}`, `child 1 on ${newQueue}`, "onSuccess"]);
  });
});
