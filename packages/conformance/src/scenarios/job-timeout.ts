import { expect } from "vitest";
import { Job, JobTimeoutError, type JobContext } from "@hopper/core";
import { defineScenario } from "../scenario.js";
import { runWorkerUntil, testHopper, waitFor } from "../harness.js";

export const jobTimeout = defineScenario({
  name: "a job past its timeout (static or per enqueue) sees its signal abort, fails with JobTimeoutError, is retried and dead-lettered",
  async run({ backend, queue }) {
    const name = queue("timeout");
    const reasons: unknown[] = [];
    const waitForAbort = async (context: JobContext) => {
      await new Promise((resolve) => context.signal.addEventListener("abort", resolve, { once: true }));
      reasons.push(context.signal.reason);
      throw context.signal.reason;
    };
    class TimedClass extends Job<Record<string, never>> {
      static override queue = name;
      static override timeout = "300ms";
      static override retry = { attempts: 2, wait: 50, jitter: 0 };
      async perform(_args: Record<string, never>, context: JobContext) {
        await waitForAbort(context);
      }
    }
    // No static timeout: only the one given at enqueue, carried in the envelope to the worker.
    class TimedPerEnqueue extends Job<Record<string, never>> {
      static override queue = name;
      static override retry = { attempts: 2, wait: 50, jitter: 0 };
      async perform(_args: Record<string, never>, context: JobContext) {
        await waitForAbort(context);
      }
    }
    const hopper = testHopper(backend, [TimedClass, TimedPerEnqueue]);
    const classId = await TimedClass.performLater({});
    const enqueueId = await TimedPerEnqueue.set({ timeout: "250ms" }).performLater({});
    await runWorkerUntil(hopper, { queues: [name] }, () => reasons.length === 4, "two attempts of each job");
    expect(reasons.every((reason) => JobTimeoutError.isInstance(reason))).toBe(true);
    const seen = (reasons as JobTimeoutError[]).map((reason) => `${reason.job} ${reason.jobId} ${reason.timeoutMs}`).sort();
    expect(seen).toEqual([`TimedClass ${classId} 300`, `TimedClass ${classId} 300`, `TimedPerEnqueue ${enqueueId} 250`, `TimedPerEnqueue ${enqueueId} 250`].sort());
    const deadLetters: Awaited<ReturnType<ReturnType<typeof hopper.deadLetters>["take"]>> = [];
    await waitFor(async () => {
      deadLetters.push(...(await hopper.deadLetters(name).take({ max: 10, waitMs: 200 })));
      return deadLetters.length >= 2;
    }, "two dead letters");
    expect(deadLetters.map((letter) => letter.id).sort()).toEqual([classId, enqueueId].sort());
    for (const letter of deadLetters) expect(letter).toMatchObject({ attempt: 2, reason: "attempts exhausted (2 of 2)", error: { name: "JobTimeoutError" } });
  },
});
