import { expect, it } from "vitest";
import { decodeEnvelope, Job, type Hopper, type HopperOptions, type JobClass, type JobContext, type Middleware } from "@hopper/core";
import { sleep, uniqueQueueName, waitFor } from "../harness.js";

export interface FlowScenarioContext {
  /** A Hopper on the suite's backend and coordination store, closed after the test. */
  readonly open: (jobs: readonly JobClass[], middleware?: Middleware[], extra?: Pick<HopperOptions, "records">) => Promise<Hopper>;
  /** A worker on these queues, stopped after the test. */
  readonly start: (hopper: Hopper, queues: string | string[]) => void;
}

/** Counts the enqueue calls of each job name: a parent must be sent exactly once. */
function enqueueCounter(): { middleware: Middleware; of: (jobName: string) => number } {
  const counts = new Map<string, number>();
  return {
    middleware: {
      async enqueue(context, next) {
        const ids = await next();
        counts.set(context.jobName, (counts.get(context.jobName) ?? 0) + 1);
        return ids;
      },
    },
    of: (jobName) => counts.get(jobName) ?? 0,
  };
}

/** Jobs of one flow test: children on two queues returning results, a parent collecting them. */
function flowJobs(childQueue: string, otherQueue: string, parentQueue: string) {
  const runs = new Map<string, number>();
  const count = (key: string) => runs.set(key, (runs.get(key) ?? 0) + 1);
  const parentReads: unknown[][] = [];
  class Tenfold extends Job<{ n: number }> {
    static override queue = childQueue;
    static override jobName = `${childQueue}-tenfold`;
    async perform({ n }: { n: number }) {
      count(`tenfold:${n}`);
      return { value: n * 10 };
    }
  }
  class FlakyText extends Job<{ text: string; failures: number }> {
    static override queue = otherQueue;
    static override jobName = `${otherQueue}-flaky-text`;
    static override retry = { attempts: 2, wait: 10, jitter: 0 };
    async perform({ text, failures }: { text: string; failures: number }, context: JobContext) {
      count(`flaky:${text}`);
      if (context.attempt <= failures) throw new Error(`${text} fails on attempt ${context.attempt}`);
      return text.toUpperCase();
    }
  }
  class Collect extends Job<{ label: string }> {
    static override queue = parentQueue;
    static override jobName = `${parentQueue}-collect`;
    async perform({ label }: { label: string }, context: JobContext) {
      count(`parent:${label}`);
      const results = await context.childResults!();
      parentReads.push(results.map((each) => [each.queue, each.result]));
      return results.length;
    }
  }
  return { runs: (key: string) => runs.get(key) ?? 0, parentReads, Tenfold, FlakyText, Collect };
}

/** Parent/child flows end to end: the batch machinery with the children's results read from the job records. */
export function flowScenarios({ open, start }: FlowScenarioContext): void {
  it("a flow's parent runs once after its children on two queues, and reads every child's result; a child retried counts once", async () => {
    const [childQueue, otherQueue] = [uniqueQueueName("flowa"), uniqueQueueName("flowb")];
    const { runs, parentReads, Tenfold, FlakyText, Collect } = flowJobs(childQueue, otherQueue, childQueue);
    const enqueues = enqueueCounter();
    const hopper = await open([Tenfold, FlakyText, Collect], [enqueues.middleware], { records: {} });
    const flow = await hopper.flow({
      parent: [Collect, { label: "two-queues" }],
      children: [[Tenfold, { n: 1 }], [FlakyText, { text: "b", failures: 1 }], [Tenfold, { n: 3 }]],
      description: "collect",
    });
    start(hopper, [childQueue, otherQueue]);
    await waitFor(async () => (await flow.status()).state === "succeeded", "the flow to succeed", 60_000);
    expect(parentReads).toEqual([[[childQueue, { value: 10 }], [otherQueue, "B"], [childQueue, { value: 30 }]]]);
    expect(runs("parent:two-queues")).toBe(1);
    expect(enqueues.of(Collect.jobName)).toBe(1);
    // The flaky child failed once, ran again, and counted once.
    expect(runs("flaky:b")).toBe(2);
    expect(await hopper.batches.get(flow.id).status()).toMatchObject({ total: 3, succeeded: 3, failed: 0, dead: 0, pending: 0, callbacks: { onSuccess: "succeeded" } });
    const status = await flow.status();
    expect(status).toMatchObject({ description: "collect", stoppedBy: [], parent: { job: Collect.jobName, jobId: flow.parentJobId, state: "succeeded" } });
    expect(status.children.map((child) => [child.jobId, child.state])).toEqual(flow.childJobIds.map((id) => [id, "succeeded"]));
    // A record is settled with its job's ack, after the bookkeeping that moved the flow on.
    const jobIds = [flow.parentJobId, ...flow.childJobIds];
    await waitFor(async () => (await Promise.all(jobIds.map((id) => hopper.jobs.get(id)))).every((record) => record?.state !== "running"), "the records to settle", 10_000);
    expect(await hopper.jobs.get(flow.parentJobId)).toMatchObject({ state: "succeeded", result: 3, attempt: 1 });
    // Each child's record names its flow (a batch) and its parent, whichever queue it ran on.
    for (const childId of flow.childJobIds) expect(await hopper.jobs.get(childId)).toMatchObject({ state: "succeeded", batchId: flow.id, parentId: flow.parentJobId });
  }, 90_000);

  it("a dead child stops the flow: the parent never runs, and the status names the child", async () => {
    const [childQueue, otherQueue] = [uniqueQueueName("flowdead"), uniqueQueueName("flowdeadb")];
    const { runs, Tenfold, FlakyText, Collect } = flowJobs(childQueue, otherQueue, childQueue);
    const enqueues = enqueueCounter();
    const hopper = await open([Tenfold, FlakyText, Collect], [enqueues.middleware], { records: {} });
    const flow = await hopper.flow({ parent: [Collect, { label: "dead" }], children: [[Tenfold, { n: 1 }], [FlakyText, { text: "never", failures: 99 }]] });
    start(hopper, [childQueue, otherQueue]);
    await waitFor(async () => (await flow.status()).children.every((child) => child.state !== "pending"), "every child to end", 60_000);
    // Give a wrongly sent parent time to show up: the worker is still running.
    await sleep(500);
    const status = await flow.status();
    expect(status).toMatchObject({ state: "stopped", stoppedBy: [flow.childJobIds[1]], parent: { state: "waiting" } });
    expect(status.children.map((child) => child.state)).toEqual(["succeeded", "dead"]);
    expect(runs("flaky:never")).toBe(2);
    expect(runs("parent:dead")).toBe(0);
    expect(enqueues.of(Collect.jobName)).toBe(0);
    expect(await hopper.jobs.get(flow.parentJobId)).toBeNull();
  }, 90_000);

  it("a child delivered twice counts once, and the parent is enqueued once and runs once", async () => {
    const [childQueue, otherQueue, parentQueue] = [uniqueQueueName("flowtwice"), uniqueQueueName("flowtwiceb"), uniqueQueueName("flowtwicep")];
    const { runs, parentReads, Tenfold, FlakyText, Collect } = flowJobs(childQueue, otherQueue, parentQueue);
    const enqueues = enqueueCounter();
    const hopper = await open([Tenfold, FlakyText, Collect], [enqueues.middleware], { records: {} });
    const flow = await hopper.flow({ parent: [Collect, { label: "twice" }], children: [[Tenfold, { n: 4 }], [Tenfold, { n: 5 }]] });
    const backend = await hopper.backend;
    const children = await backend.receive({ queue: childQueue, maxMessages: 10, waitMs: 1000, leaseMs: 120_000 });
    expect(children.map((message) => decodeEnvelope(message.body).id).sort()).toEqual([...flow.childJobIds].sort());
    // The first child's body runs twice (a duplicate delivery, or a redelivery after a crash before its ack), before and after the last one.
    const [first, second] = children as [(typeof children)[0], (typeof children)[0]];
    const run = (message: typeof first, deliveryAttempt: number) => hopper.runMessage({ queue: childQueue, body: message.body, id: message.id, deliveryAttempt });
    expect(await run(first, 1)).toEqual({ status: "done" });
    expect(await run(second, 1)).toEqual({ status: "done" });
    expect(await run(first, 2)).toEqual({ status: "done" });
    start(hopper, parentQueue);
    await waitFor(async () => (await flow.status()).state === "succeeded", "the flow to succeed", 60_000);
    expect(runs("tenfold:4") + runs("tenfold:5")).toBe(3);
    expect(parentReads).toEqual([[[childQueue, { value: 40 }], [childQueue, { value: 50 }]]]);
    expect(runs("parent:twice")).toBe(1);
    expect(enqueues.of(Collect.jobName)).toBe(1);
    expect(await hopper.batches.get(flow.id).status()).toMatchObject({ total: 2, succeeded: 2, pending: 0 });
  }, 90_000);
}
