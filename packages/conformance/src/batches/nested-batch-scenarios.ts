import { expect, it } from "vitest";
import { Job, type JobContext } from "@hopper/core";
import { sleep, uniqueQueueName, waitFor } from "../harness.js";
import type { FlowScenarioContext } from "./flow-scenarios.js";

/** Jobs of one nested-batch test, noting every run in order: leaves, a callback, and a job that makes a child batch. */
function nestedJobs(queue: string) {
  const runs: string[] = [];
  class Leaf extends Job<{ n: number; fail?: boolean }> {
    static override queue = queue;
    static override jobName = `${queue}-leaf`;
    static override retry = { attempts: 2, wait: 10, jitter: 0 };
    async perform({ n, fail }: { n: number; fail?: boolean }) {
      runs.push(`leaf:${n}`);
      if (fail) throw new Error(`leaf ${n} always fails`);
    }
  }
  class Done extends Job<{ label: string }> {
    static override queue = queue;
    static override jobName = `${queue}-done`;
    async perform({ label }: { label: string }) {
      runs.push(`done:${label}`);
    }
  }
  class Spawn extends Job<{ count: number; failLeaf?: boolean; failOnce?: boolean }> {
    static override queue = queue;
    static override jobName = `${queue}-spawn`;
    static override retry = { attempts: 3, wait: 10, jitter: 0 };
    async perform({ count, failLeaf, failOnce }: { count: number; failLeaf?: boolean; failOnce?: boolean }, context: JobContext) {
      runs.push("spawn");
      const child = await context.batch!.child({ onSuccess: [Done, { label: "child-success" }], onComplete: [Done, { label: "child-complete" }] });
      await child.addAll(Leaf, Array.from({ length: count }, (_, n) => ({ n, ...(failLeaf && n === 0 && { fail: true }) })));
      await child.seal();
      // Its first run fails after the child batch was made and sealed: the retry makes it again.
      if (failOnce && context.attempt === 1) throw new Error("spawn fails once, after creating its child batch");
    }
  }
  return { runs, Leaf, Done, Spawn };
}

/** Nested batches end to end on real servers: a child batch counts as pending work of its parent until its callbacks ran. */
export function nestedBatchScenarios({ open, start }: FlowScenarioContext): void {
  it("nested batches: the parent's callbacks run once, after the child's callbacks succeeded; status lists the child", async () => {
    const queue = uniqueQueueName("nested");
    const { runs, Leaf, Done, Spawn } = nestedJobs(queue);
    const hopper = await open([Leaf, Done, Spawn]);
    const parent = await hopper.batch({ onSuccess: [Done, { label: "parent-success" }], onComplete: [Done, { label: "parent-complete" }] });
    await parent.add(Spawn, { count: 3 });
    await parent.seal();
    start(hopper, queue);
    await waitFor(async () => (await parent.status()).callbacks.onSuccess === "succeeded" && (await parent.status()).callbacks.onComplete === "succeeded", "the parent's callbacks to succeed", 60_000);
    const done = runs.filter((run) => run.startsWith("done:"));
    expect(done.slice(0, 2).sort()).toEqual(["done:child-complete", "done:child-success"]);
    expect(done.slice(2).sort()).toEqual(["done:parent-complete", "done:parent-success"]);
    const status = await parent.status();
    expect(status).toMatchObject({ total: 1, succeeded: 1, pending: 0, depth: 1, children: { pending: 0, succeeded: 1, failed: 0, dead: 0 } });
    expect(status.children.ids).toHaveLength(1);
    expect(await hopper.batches.get(status.children.ids[0]!).status()).toMatchObject({ parent: parent.id, depth: 2, total: 3, succeeded: 3, callbacks: { onSuccess: "succeeded", onComplete: "succeeded" } });
  }, 90_000);

  it("nested batches: a dead job in the child: the parent's onComplete once, its onSuccess never", async () => {
    const queue = uniqueQueueName("nesteddead");
    const { runs, Leaf, Done, Spawn } = nestedJobs(queue);
    const hopper = await open([Leaf, Done, Spawn]);
    const parent = await hopper.batch({ onSuccess: [Done, { label: "parent-success" }], onComplete: [Done, { label: "parent-complete" }] });
    await parent.add(Spawn, { count: 2, failLeaf: true });
    await parent.seal();
    start(hopper, queue);
    await waitFor(async () => (await parent.status()).callbacks.onComplete === "succeeded", "the parent's onComplete to succeed", 60_000);
    // Give a wrongly sent onSuccess time to show up: the worker is still running.
    await sleep(500);
    expect(runs.filter((run) => run.startsWith("done:")).sort()).toEqual(["done:child-complete", "done:parent-complete"]);
    expect(await parent.status()).toMatchObject({ succeeded: 1, children: { pending: 0, succeeded: 0, dead: 1 }, callbacks: { onSuccess: "waiting", onComplete: "succeeded" } });
  }, 90_000);

  it("nested batches: the creating job run twice (it fails after making its child) makes the child once", async () => {
    const queue = uniqueQueueName("nestedtwice");
    const { runs, Leaf, Done, Spawn } = nestedJobs(queue);
    const hopper = await open([Leaf, Done, Spawn]);
    const parent = await hopper.batch({ onSuccess: [Done, { label: "parent-success" }] });
    await parent.add(Spawn, { count: 3, failOnce: true });
    await parent.seal();
    start(hopper, queue);
    await waitFor(async () => (await parent.status()).callbacks.onSuccess === "succeeded", "the parent's onSuccess to succeed", 60_000);
    expect(runs.filter((run) => run === "spawn")).toHaveLength(2);
    const status = await parent.status();
    expect(status).toMatchObject({ total: 1, succeeded: 1, children: { pending: 0, succeeded: 1 } });
    expect(status.children.ids).toHaveLength(1);
    expect(await hopper.batches.get(status.children.ids[0]!).status()).toMatchObject({ total: 3, succeeded: 3 });
    expect(runs.filter((run) => run === "done:child-success")).toHaveLength(1);
    expect(runs.filter((run) => run === "done:parent-success")).toHaveLength(1);
  }, 90_000);
}
