import { expect } from "vitest";
import { Job, RetryLaterError, type JobContext } from "@hopper/core";
import { defineScenario } from "../scenario.js";
import { runWorkerUntil, testHopper } from "../harness.js";

export const holdsNotAttempts = defineScenario({
  name: "holds (RetryLaterError, waits) never count as attempts",
  timeoutMs: 90_000,
  async run({ backend, queue }) {
    const name = queue("holds");
    const attempts: number[] = [];
    class Patient extends Job<{ n: number }> {
      static override jobName = "Patient";
      static override queue = name;
      async perform(_args: { n: number }, context: JobContext) {
        attempts.push(context.attempt);
        // Three holds, then a failure (a real attempt), then success.
        if (attempts.length <= 3) throw new RetryLaterError({ delayMs: 300 });
        if (attempts.length === 4) throw new Error("a real failure");
      }
      static override retry = { attempts: 5, wait: 200, jitter: 0 };
    }
    const hopper = testHopper(backend, [Patient]);
    await hopper.enqueue(Patient, { n: 1 }, { wait: 500 });
    await runWorkerUntil(hopper, { queues: [name] }, () => attempts.length === 5, "the job to be held three times, fail once, then run", 60_000);
    expect(attempts).toEqual([1, 1, 1, 1, 2]);
  },
});
