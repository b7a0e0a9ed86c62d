import { describe, expect, it } from "vitest";
import { loadProfiles, type BenchPlan } from "../bench-plan.js";
import type { BenchSubject } from "../subjects/bench-subject.js";
import { inProcessSubject } from "./in-process-subject.js";
import { delayedJobs, offerRate } from "./latency-scenario.js";
import { uniqueQueueName, type ScenarioContext } from "./scenario-context.js";
import { enqueueBulkAndDrain, enqueueSingle, payloadSizes } from "./throughput-scenarios.js";

/** The in-process double with a backend's preparation, recording the order of the calls the scenarios make. */
function recordingSubject() {
  const calls: string[] = [];
  const inner = inProcessSubject();
  const subject: BenchSubject = {
    ...inner,
    beforeFill: async () => void calls.push("beforeFill"),
    afterFill: async () => void calls.push("afterFill"),
    enqueueOne: async (queue, job, delayMs) => {
      if (calls.at(-1) !== "enqueue") calls.push("enqueue");
      await inner.enqueueOne(queue, job, delayMs);
    },
    enqueueMany: async (queue, jobs) => {
      if (calls.at(-1) !== "enqueue") calls.push("enqueue");
      await inner.enqueueMany(queue, jobs);
    },
    consume: async (queue, concurrency, handler) => {
      calls.push("consume");
      return inner.consume(queue, concurrency, handler);
    },
  };
  return { subject, calls };
}

function contextOf(subject: BenchSubject, plan: Partial<BenchPlan>): ScenarioContext {
  return { subject, plan: { ...loadProfiles().short!, warmup: 0, repetitions: 1, ...plan }, progress() {}, note() {}, queueName: uniqueQueueName };
}

describe("every timed fill starts after the backend's beforeFill", () => {
  it("single enqueue: beforeFill, the timed enqueues, afterFill, the clean-up drain", async () => {
    const { subject, calls } = recordingSubject();
    await enqueueSingle(contextOf(subject, { enqueue: { ...loadProfiles().short!.enqueue, singleJobs: 5, callers: 2 } }));
    expect(calls).toEqual(["beforeFill", "enqueue", "afterFill", "consume"]);
  });

  it("bulk enqueue and drain: beforeFill, the timed bulk enqueue, afterFill, the timed drain, per point", async () => {
    const { subject, calls } = recordingSubject();
    await enqueueBulkAndDrain(contextOf(subject, { drain: { jobs: 5, concurrency: [1, 2], timeoutMs: 60_000 } }));
    expect(calls).toEqual(["beforeFill", "enqueue", "afterFill", "consume", "beforeFill", "enqueue", "afterFill", "consume"]);
  });

  it("payload sizes: beforeFill before the timed enqueue and drain", async () => {
    const { subject, calls } = recordingSubject();
    await payloadSizes(contextOf(subject, { payload: { sizes: [10], jobs: 5, concurrency: 1, timeoutMs: 60_000 } }));
    expect(calls).toEqual(["beforeFill", "enqueue", "consume"]);
  });

  it("a latency step and the delayed jobs: beforeFill before the consumer and the first enqueue", async () => {
    const latency = recordingSubject();
    await offerRate(contextOf(latency.subject, {}), 100, 50, "latency");
    expect(latency.calls.slice(0, 3)).toEqual(["beforeFill", "consume", "enqueue"]);
    const delayed = recordingSubject();
    await delayedJobs(contextOf(delayed.subject, { delayed: { jobs: 3, delayMs: 1, concurrency: 1, graceMs: 60_000 } }));
    expect(delayed.calls.slice(0, 3)).toEqual(["beforeFill", "consume", "enqueue"]);
  });
});
