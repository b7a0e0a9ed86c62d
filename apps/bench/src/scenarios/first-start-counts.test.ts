import { describe, expect, it } from "vitest";
import { loadProfiles, type BenchPlan } from "../bench-plan.js";
import type { BenchSubject } from "../subjects/bench-subject.js";
import { inProcessSubject } from "./in-process-subject.js";
import { delayedJobs } from "./latency-scenario.js";
import { consumeCount, enqueueInBatches, makeJobs, uniqueQueueName, type ScenarioContext } from "./scenario-context.js";
import { enqueueBulkAndDrain } from "./throughput-scenarios.js";

// Job 3 starts twice and job 7 never: as many starts as jobs, one job short.
const redeliverThreeLoseSeven = (index: number) => (index === 3 ? 2 : index === 7 ? 0 : 1);
const jobs = 10;
/** Only long enough for the double's immediate deliveries; a run that waits for the lost job ends at it. */
const boundMs = 300;

/** The double, handing every job back without its number, as a subject that dropped `seq` would. */
function withoutSeq(subject: BenchSubject): BenchSubject {
  return { ...subject, consume: (queue, concurrency, handler) => subject.consume(queue, concurrency, ({ seq: _dropped, ...job }) => handler(job)) };
}

const unnumberedNote = (label: string) => `${label}: ${jobs} starts had no job number (seq) of the run, so each counted as a first start (a repeat among such starts cannot be told apart)`;

function contextOf(subject: BenchSubject, plan: Partial<BenchPlan>) {
  const notes: string[] = [];
  const context: ScenarioContext = { subject, plan: { ...loadProfiles().short!, warmup: 0, repetitions: 1, ...plan }, progress() {}, note: (text) => notes.push(text), queueName: uniqueQueueName };
  return { context, notes };
}

describe("makeJobs", () => {
  it("numbers the jobs it makes, from `firstSeq` on", () => {
    expect(makeJobs(3).map((job) => job.seq)).toEqual([0, 1, 2]);
    expect(makeJobs(2, 0, 5).map((job) => job.seq)).toEqual([5, 6]);
  });
});

describe("consumeCount", () => {
  it("counts each job at its first start: a redelivery does not end the run in place of a lost job", async () => {
    const subject = inProcessSubject(redeliverThreeLoseSeven);
    const queue = uniqueQueueName("count");
    await enqueueInBatches(subject, queue, makeJobs(jobs), jobs);
    const run = await consumeCount(subject, queue, 1, jobs, boundMs);
    expect(run).toMatchObject({ done: jobs - 1, timedOut: true, repeatedStarts: 1 });
  });

  it("ends when every job has started once, with no repeats", async () => {
    const subject = inProcessSubject();
    const queue = uniqueQueueName("count");
    await enqueueInBatches(subject, queue, makeJobs(jobs), jobs);
    expect(await consumeCount(subject, queue, 1, jobs, 60_000)).toMatchObject({ done: jobs, timedOut: false, repeatedStarts: 0 });
  });
});

describe("a subject that does not hand seq back", () => {
  it("is counted at every start, as before, and the count of such starts is returned", async () => {
    const subject = withoutSeq(inProcessSubject());
    const queue = uniqueQueueName("count");
    await enqueueInBatches(subject, queue, makeJobs(jobs), jobs);
    expect(await consumeCount(subject, queue, 1, jobs, 60_000)).toMatchObject({ done: jobs, timedOut: false, repeatedStarts: 0, startsWithoutSeq: jobs });
  });

  it("leaves a note on the drain point and on the delayed run", async () => {
    const drain = contextOf(withoutSeq(inProcessSubject()), { drain: { jobs, concurrency: [1], timeoutMs: 60_000 } });
    await enqueueBulkAndDrain(drain.context);
    expect(drain.notes).toContain(unnumberedNote("drain c=1"));
    const delayed = contextOf(withoutSeq(inProcessSubject()), { delayed: { jobs, delayMs: 1, concurrency: 1, graceMs: 60_000 } });
    await delayedJobs(delayed.context);
    expect(delayed.notes).toContain(unnumberedNote("delayed"));
  });
});

describe("the drain scenario", () => {
  it("times out on a lost job though a redelivery made as many starts as jobs, and notes the repeat", async () => {
    const { context, notes } = contextOf(inProcessSubject(redeliverThreeLoseSeven), { drain: { jobs, concurrency: [1], timeoutMs: boundMs } });
    const { drain } = await enqueueBulkAndDrain(context);
    expect(drain[0]!.rate.timedOut).toBe(true);
    expect(notes).toContainEqual(expect.stringContaining(`with ${jobs - 1} of ${jobs} jobs done`));
    expect(notes).toContainEqual("drain c=1: 1 start was of a job that had started before (counted once)");
  });
});

describe("the delayed scenario", () => {
  it("counts each delayed job at its first start and notes the repeat", async () => {
    const { context, notes } = contextOf(inProcessSubject(redeliverThreeLoseSeven), { delayed: { jobs, delayMs: 1, concurrency: 1, graceMs: boundMs } });
    const result = await delayedJobs(context);
    expect(result).toMatchObject({ total: jobs, received: jobs - 1 });
    expect(notes).toContainEqual(expect.stringContaining(`only ${jobs - 1} of ${jobs} jobs started`));
    expect(notes).toContainEqual("delayed: 1 start was of a job that had started before (counted once)");
  });
});
