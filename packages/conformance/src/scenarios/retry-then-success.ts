import { expect } from "vitest";
import { Job, type JobContext } from "@hopper/core";
import { defineScenario } from "../scenario.js";
import { runWorkerUntil, testHopper } from "../harness.js";

export const retryThenSuccess = defineScenario({
  name: "a failing job is retried with its attempt counted, then succeeds",
  async run({ backend, queue }) {
    const name = queue("retry");
    const attempts: number[] = [];
    class Flaky extends Job<{ failTimes: number }> {
      static override queue = name;
      static override retry = { attempts: 5, wait: 100, jitter: 0 };
      async perform(args: { failTimes: number }, context: JobContext) {
        attempts.push(context.attempt);
        if (context.attempt <= args.failTimes) throw new Error(`failure ${context.attempt}`);
      }
    }
    const hopper = testHopper(backend, [Flaky]);
    await Flaky.performLater({ failTimes: 2 });
    await runWorkerUntil(hopper, { queues: [name] }, () => attempts.length === 3, "three attempts");
    expect(attempts).toEqual([1, 2, 3]);
    expect(await hopper.deadLetters(name).take({ max: 10, waitMs: 500 })).toEqual([]);
  },
});
