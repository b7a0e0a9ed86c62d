import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { decodeEnvelope } from "../envelope/envelope.js";
import { ConfigurationError } from "../errors/configuration-error.js";
import { createHopper, type Hopper } from "../hopper.js";
import { Job, type JobContext } from "../job.js";
import type { Middleware } from "../middleware.js";
import { createConsoleLogger } from "../logger.js";
import { refusedBatchJobs, takeAll } from "../test-fixtures/batch-jobs.js";
import { createMemoryBackend } from "../memory/memory-backend.js";
import type { Batch, RunningBatch } from "./batches.js";

const hoppers: Hopper[] = [];
afterEach(async () => {
  await Promise.all(hoppers.splice(0).map((hopper) => hopper.close()));
});
const logger = createConsoleLogger("silent");

/** Jobs of one test: a leaf, a callback noting its label, and a job that creates a child batch of `count` leaves. */
function nestedJobs(queue: string) {
  const runs: string[] = [];
  const refusals: unknown[] = [];
  const handles: RunningBatch[] = [];
  class Leaf extends Job<{ n: number; fail?: boolean }> {
    static override queue = queue;
    static override jobName = `${queue}-leaf`;
    static override retry = { attempts: 1 };
    async perform({ n, fail }: { n: number; fail?: boolean }) {
      runs.push(`leaf:${n}`);
      if (fail) throw new Error(`leaf ${n} fails`);
    }
  }
  class Done extends Job<{ label: string }> {
    static override queue = queue;
    static override jobName = `${queue}-done`;
    async perform({ label }: { label: string }) {
      runs.push(`done:${label}`);
    }
  }
  class Spawn extends Job<{ count: number; fail?: boolean }> {
    static override queue = queue;
    static override jobName = `${queue}-spawn`;
    async perform({ count, fail }: { count: number; fail?: boolean }, context: JobContext) {
      runs.push("spawn");
      handles.push(context.batch!);
      const child = await context.batch!.child({ onSuccess: [Done, { label: "child-success" }], onComplete: [Done, { label: "child-complete" }], description: "child" });
      await child.addAll(Leaf, Array.from({ length: count }, (_, n) => ({ n, ...(fail && n === 0 && { fail: true }) })));
      await child.seal();
    }
  }
  /** Nests itself one level deeper on every run, until the depth bound refuses. */
  class Deeper extends Job<{ level: number }> {
    static override queue = queue;
    static override jobName = `${queue}-deeper`;
    async perform({ level }: { level: number }, context: JobContext) {
      runs.push(`deeper:${level}`);
      let child: Batch;
      try {
        child = await context.batch!.child({});
      } catch (error) {
        refusals.push(error);
        return;
      }
      await child.add(Deeper, { level: level + 1 });
      await child.seal();
    }
  }
  return { runs, refusals, handles, Leaf, Done, Spawn, Deeper, ...refusedBatchJobs(queue) };
}

async function setUp(label: string) {
  const queue = `${label}-${randomUUID().slice(0, 8)}`;
  const jobs = nestedJobs(queue);
  const hopper = createHopper({ backend: createMemoryBackend({ store: queue }), jobs: [jobs.Leaf, jobs.Done, jobs.Spawn, jobs.Deeper], logger });
  hoppers.push(hopper);
  /** Runs every message on the queue once; returns the job names it ran, in order. */
  const drain = async () => {
    const messages = await takeAll(hopper, queue);
    for (const message of messages) await hopper.runMessage({ queue, body: message.body, id: message.id, deliveryAttempt: 1 });
    return messages.map((message) => decodeEnvelope(message.body));
  };
  return { queue, hopper, drain, ...jobs };
}

describe("nested batches", () => {
  it("a child batch holds its parent until the child's callbacks succeeded; the parent's status lists it", async () => {
    const { hopper, drain, runs, Done, Spawn } = await setUp("nest");
    const parent = await hopper.batch({ onSuccess: [Done, { label: "parent-success" }], onComplete: [Done, { label: "parent-complete" }] });
    await parent.add(Spawn, { count: 2 });
    await parent.seal();
    await drain(); // Spawn: creates the child batch with two leaves
    const spawned = await parent.status();
    expect(spawned).toMatchObject({ total: 1, succeeded: 1, pending: 0, depth: 1, callbacks: { onSuccess: "waiting", onComplete: "waiting" } });
    expect(spawned.children).toMatchObject({ pending: 1, succeeded: 0, failed: 0, dead: 0 });
    expect(spawned.children.ids).toHaveLength(1);
    const child = hopper.batches.get(spawned.children.ids[0]!);
    expect(await child.status()).toMatchObject({ parent: parent.id, depth: 2, description: "child", total: 2, pending: 2, sealed: true });

    await drain(); // the two leaves: the child ends and its callbacks are sent, the parent still waits on them
    expect(await child.status()).toMatchObject({ succeeded: 2, callbacks: { onSuccess: "enqueued", onComplete: "enqueued" } });
    expect(await parent.status()).toMatchObject({ children: { pending: 1 }, callbacks: { onSuccess: "waiting", onComplete: "waiting" } });

    const callbacks = await drain(); // the child's callbacks: once both succeeded, the parent's are sent
    expect(callbacks.map((each) => (each.args as { label: string }).label).sort()).toEqual(["child-complete", "child-success"]);
    expect(await parent.status()).toMatchObject({ children: { pending: 0, succeeded: 1 }, callbacks: { onSuccess: "enqueued", onComplete: "enqueued" } });
    await drain();
    expect(await drain()).toEqual([]);
    const done = runs.filter((run) => run.startsWith("done:"));
    expect(done.slice(0, 2).sort()).toEqual(["done:child-complete", "done:child-success"]);
    expect(done.slice(2).sort()).toEqual(["done:parent-complete", "done:parent-success"]);
  });

  it("a failed job anywhere in the tree: the parent's onComplete fires, its onSuccess never", async () => {
    const { hopper, drain, runs, Done, Spawn } = await setUp("nestfail");
    const parent = await hopper.batch({ onSuccess: [Done, { label: "parent-success" }], onComplete: [Done, { label: "parent-complete" }] });
    await parent.add(Spawn, { count: 2, fail: true });
    await parent.seal();
    // Leaf 0 fails its only attempt: dead.
    for (let round = 0; round < 10 && (await drain()).length > 0; round += 1);
    const status = await parent.status();
    expect(status).toMatchObject({ succeeded: 1, failed: 0, dead: 0, callbacks: { onSuccess: "waiting", onComplete: "succeeded" } });
    expect(status.children).toMatchObject({ pending: 0, succeeded: 0, failed: 0, dead: 1 });
    expect(runs).toContain("done:parent-complete");
    expect(runs).not.toContain("done:parent-success");
    expect(runs).not.toContain("done:child-success");
  });

  it("the creating job run twice creates its child batch once, and the child's jobs count once", async () => {
    const { hopper, queue, drain, runs, Done, Spawn } = await setUp("nesttwice");
    const parent = await hopper.batch({ onSuccess: [Done, { label: "parent-success" }] });
    await parent.add(Spawn, { count: 2 });
    await parent.seal();
    const [spawn] = await takeAll(hopper, queue);
    // The same body twice: a redelivery after a crash before its ack, or a duplicate delivery.
    await hopper.runMessage({ queue, body: spawn!.body, id: spawn!.id, deliveryAttempt: 1 });
    await hopper.runMessage({ queue, body: spawn!.body, id: spawn!.id, deliveryAttempt: 2 });
    expect(runs.filter((run) => run === "spawn")).toHaveLength(2);
    const { children } = await parent.status();
    expect(children.ids).toHaveLength(1);
    const child = hopper.batches.get(children.ids[0]!);
    expect(await child.status()).toMatchObject({ total: 2, pending: 2 });
    // Each leaf was sent by both runs, as one job id: four copies, two jobs.
    const leaves = await drain();
    expect(leaves).toHaveLength(4);
    expect(new Set(leaves.map((each) => each.id)).size).toBe(2);
    expect(await child.status()).toMatchObject({ total: 2, succeeded: 2, pending: 0 });
    for (let round = 0; round < 5 && (await drain()).length > 0; round += 1);
    expect(runs.filter((run) => run === "done:child-success")).toHaveLength(1);
    expect(runs.filter((run) => run === "done:parent-success")).toHaveLength(1);
    expect(await parent.status()).toMatchObject({ children: { pending: 0, succeeded: 1 }, callbacks: { onSuccess: "succeeded" } });

    // And once more, after the whole tree finished: nothing is sent again, nothing counts twice.
    await hopper.runMessage({ queue, body: spawn!.body, id: spawn!.id, deliveryAttempt: 3 });
    expect(await takeAll(hopper, queue)).toEqual([]);
    expect(await child.status()).toMatchObject({ total: 2, succeeded: 2, pending: 0 });
    expect((await parent.status()).children).toMatchObject({ ids: children.ids, pending: 0, succeeded: 1 });
  });

  it("a child's callback whose bookkeeping fails after its run is run again, and then sends the parent's callback once", async () => {
    const queue = `nestcrash-${randomUUID().slice(0, 8)}`;
    const { runs, Leaf, Done, Spawn, Deeper } = nestedJobs(queue);
    class ParentDone extends Job<{ label: string }> {
      static override queue = queue;
      static override jobName = `${queue}-parent-done`;
      async perform({ label }: { label: string }) {
        runs.push(`done:${label}`);
      }
    }
    let refused = 0;
    // The parent's callback's first send fails, as a crash in the child's callback's bookkeeping would leave it.
    const failParentCallbackOnce: Middleware = {
      async enqueue(context, next) {
        if (context.jobName === ParentDone.jobName && refused++ === 0) throw new Error("simulated crash");
        return next();
      },
    };
    const hopper = createHopper({ backend: createMemoryBackend({ store: queue }), jobs: [Leaf, Done, Spawn, Deeper, ParentDone], logger, middleware: [failParentCallbackOnce] });
    hoppers.push(hopper);
    const parent = await hopper.batch({ onSuccess: [ParentDone, { label: "parent-success" }] });
    await parent.add(Spawn, { count: 1 });
    await parent.seal();
    const runAll = async () => {
      const messages = await takeAll(hopper, queue);
      for (const message of messages) await hopper.runMessage({ queue, body: message.body, id: message.id, deliveryAttempt: 1 });
      return messages;
    };
    await runAll(); // Spawn
    await runAll(); // the leaf: the child's callbacks are sent
    const callbacks = await takeAll(hopper, queue);
    const childSuccess = callbacks.find((each) => (decodeEnvelope(each.body).args as { label: string }).label === "child-success")!;
    for (const each of callbacks) if (each !== childSuccess) await hopper.runMessage({ queue, body: each.body, id: each.id, deliveryAttempt: 1 });
    const first = await hopper.runMessage({ queue, body: childSuccess.body, id: childSuccess.id, deliveryAttempt: 1 });
    expect(first.status).not.toBe("done");
    expect(refused).toBe(1);
    expect((await parent.status()).callbacks.onSuccess).toBe("waiting");
    // Its redelivery is not dropped as "already succeeded": its bookkeeping runs again and sends the parent's callback.
    await hopper.runMessage({ queue, body: childSuccess.body, id: childSuccess.id, deliveryAttempt: 2 });
    expect((await parent.status()).callbacks.onSuccess).toBe("enqueued");
    for (let round = 0; round < 5 && (await runAll()).length > 0; round += 1);
    expect(runs.filter((run) => run === "done:parent-success")).toHaveLength(1);
    expect((await parent.status()).callbacks.onSuccess).toBe("succeeded");
  });

  it("refuses nesting deeper than 5 levels, naming the bound", async () => {
    const { hopper, drain, runs, refusals, Deeper } = await setUp("nestdeep");
    const root = await hopper.batch({});
    await root.add(Deeper, { level: 1 });
    await root.seal();
    for (let round = 0; round < 10 && (await drain()).length > 0; round += 1);
    expect(runs).toEqual(["deeper:1", "deeper:2", "deeper:3", "deeper:4", "deeper:5"]);
    expect(refusals).toHaveLength(1);
    expect(ConfigurationError.isInstance(refusals[0])).toBe(true);
    expect((refusals[0] as ConfigurationError).field).toBe("batch.child");
    expect((refusals[0] as Error).message).toMatch(/depth 5.*at most 5/);
    // The refused level left nothing pending: the whole tree ends.
    expect(await root.status()).toMatchObject({ pending: 0, succeeded: 1, children: { pending: 0, succeeded: 1 } });
  });

  it("refuses a child of a batch that already finished, and bad child options, naming the field", async () => {
    const { hopper, drain, handles, Done, Spawn, NotRegistered } = await setUp("nestbad");
    const parent = await hopper.batch({ onComplete: [Done, { label: "parent-complete" }] });
    await parent.add(Spawn, { count: 1 });
    await parent.seal();
    for (let round = 0; round < 10 && (await drain()).length > 0; round += 1);
    expect((await parent.status()).callbacks.onComplete).toBe("succeeded");
    // The running job's handle kept past its run (or a duplicate delivered after the tree ended): its batch is finished.
    const late = await handles[0]!.child({}).then(() => undefined, (caught: unknown) => caught);
    expect(ConfigurationError.isInstance(late)).toBe(true);
    expect((late as ConfigurationError).field).toBe("batch.child");
    expect((late as Error).message).toMatch(/finished/);
    expect((await parent.status()).children.ids).toHaveLength(1);

    const open = await hopper.batch({});
    await open.add(Spawn, { count: 0 });
    const [spawn] = await drain();
    expect(spawn).toBeDefined();
    const badOptions = await handles[1]!.child({ onSuccess: [NotRegistered, {}] }).then(() => undefined, (caught: unknown) => caught);
    expect(ConfigurationError.isInstance(badOptions) && badOptions.field).toBe("batch.onSuccess");
    // A batch handle from outside a running job has no child(): a child needs the job that creates it.
    expect("child" in open).toBe(false);
  });
});
