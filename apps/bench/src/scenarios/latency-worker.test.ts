import { describeWithService } from "@hopper/services";
import { describe, expect, it } from "vitest";
import { loadProfiles, type BenchPlan } from "../bench-plan.js";
import type { SubjectSpec } from "../report/result-types.js";
import { createSubject } from "../subjects/create-subject.js";
import type { BenchSubject } from "../subjects/bench-subject.js";
import { inProcessSubject } from "./in-process-subject.js";
import { offerRate } from "./latency-scenario.js";
import { clockDisagreement, sameProcessWorker, workerProcess, type LatencyWorker } from "./latency-worker.js";
import { uniqueQueueName, type ScenarioContext } from "./scenario-context.js";

/** Steps that end as soon as every job started: the grace only bounds a step that goes wrong, so no figure depends on timing. */
const plan: BenchPlan = (() => {
  const short = loadProfiles().short!;
  return { ...short, latency: { ...short.latency, concurrency: 10, graceMs: 20_000 } };
})();

function contextOf(subject: BenchSubject) {
  const notes: string[] = [];
  const context: ScenarioContext = { subject, plan, progress() {}, note: (text) => notes.push(text), queueName: uniqueQueueName };
  return { context, notes };
}

/** `worker`, keeping every first start's latency as the step computes it. */
function recording(worker: LatencyWorker, latencies: number[]): LatencyWorker {
  return {
    ...worker,
    consume: (queue, concurrency, jobs, onFirstStart) =>
      worker.consume(queue, concurrency, jobs, (startedAt, sentAt) => {
        latencies.push(startedAt - sentAt);
        onFirstStart(startedAt, sentAt);
      }),
  };
}

const spec = (backend: SubjectSpec["backend"], library: string, connection: string): SubjectSpec => ({ id: `${backend}/${library}`, backend, kind: "hopper", library, description: library, connection, env: {} });

describe("the same layout", () => {
  it("counts a redelivered job once and notes the repeat, as the latency step always did", async () => {
    const { context, notes } = contextOf(inProcessSubject((index) => (index === 3 ? 2 : 1)));
    const run = await offerRate(context, sameProcessWorker(context.subject), 100, 300, "step");
    expect([run.offered, run.received]).toEqual([30, 30]);
    expect(notes).toEqual([expect.stringContaining("1 start was of a job that had started before (counted once)")]);
  });
});

describe("the process layout", () => {
  it("refuses an in-process backend, whose queue a worker process cannot share", () => {
    expect(() => workerProcess(spec("memory", "hopper", "memory://bench"))).toThrow(/memory\/hopper: an in-process backend cannot run the latency scenario with --latency-worker process/);
  });

  it("reports a worker process that fails to start as the step's error, and closes", async () => {
    const worker = workerProcess(spec("redis", "no-such-library", "redis://127.0.0.1:1"));
    await expect(worker.consume(uniqueQueueName("fails"), 1, 10, () => {})).rejects.toThrow('no bench subject for library "no-such-library"');
    await worker.close();
  });
});

describe("clockDisagreement", () => {
  it("accepts a worker's clock read within the round trip that asked it, and names how far off one outside it is", () => {
    expect(clockDisagreement(1000, 1000.5, 1002)).toBeUndefined();
    expect(clockDisagreement(1000, 999.5, 1002)).toBeUndefined();
    expect(clockDisagreement(1000, 990, 1002)).toMatch(/^the latency worker process's clock read -10\.000 ms outside/);
    expect(clockDisagreement(1000, 1010, 1002)).toMatch(/read 8\.000 ms outside/);
  });
});

describeWithService("redis", (variables) => {
  it("runs two steps with the consumer in a worker process: every job's first start counted once, every latency ≥ 0", async () => {
    const subjectSpec = spec("redis", "hopper", variables.HOPPER_TEST_REDIS_URL!);
    const subject = await createSubject(subjectSpec);
    const { context, notes } = contextOf(subject);
    const latencies: number[] = [];
    const worker = recording(workerProcess(subjectSpec), latencies);
    try {
      // Two steps of 200 jobs through one worker process (each step its own queue), as a rate search runs.
      for (const label of ["first", "second"]) {
        const run = await offerRate(context, worker, 200, 1000, label);
        expect([run.offered, run.received, run.end!.startedLate, run.end!.leftBehind]).toEqual([200, 200, 0, 0]);
        expect(run.end!.consumerStopped).toBe(true);
      }
      // No note: no repeated start, none without a job number, nothing left behind.
      expect(notes).toEqual([]);
      expect(latencies).toHaveLength(400);
      expect(latencies.every((latency) => latency >= 0)).toBe(true);
    } finally {
      await worker.close();
      await subject.close();
    }
  });
});
