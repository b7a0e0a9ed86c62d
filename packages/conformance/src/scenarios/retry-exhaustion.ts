import { expect } from "vitest";
import { Job, UnrecoverableError, type JobContext } from "@hopper/core";
import { defineScenario } from "../scenario.js";
import { runWorkerUntil, testHopper, waitFor } from "../harness.js";

export const retryExhaustion = defineScenario({
  name: "a job that keeps failing goes to the dead letters with its last error and attempt count",
  async run({ backend, queue }) {
    const name = queue("exhaust");
    const attempts: number[] = [];
    class AlwaysFails extends Job<{ kind: string }> {
      static override queue = name;
      static override retry = { attempts: 3, wait: 50, jitter: 0 };
      async perform(args: { kind: string }, context: JobContext) {
        attempts.push(context.attempt);
        if (args.kind === "fatal") throw new UnrecoverableError("cannot ever work");
        throw new Error(`boom on attempt ${context.attempt}`);
      }
    }
    const hopper = testHopper(backend, [AlwaysFails]);
    const retriedId = await AlwaysFails.performLater({ kind: "transient" });
    const fatalId = await AlwaysFails.performLater({ kind: "fatal" });
    await runWorkerUntil(hopper, { queues: [name] }, () => attempts.length === 4, "3 + 1 attempts");
    const deadLetters: Awaited<ReturnType<ReturnType<typeof hopper.deadLetters>["take"]>> = [];
    await waitFor(async () => {
      deadLetters.push(...(await hopper.deadLetters(name).take({ max: 10, waitMs: 200 })));
      return deadLetters.length >= 2;
    }, "two dead letters");
    const retried = deadLetters.find((letter) => letter.id === retriedId)!;
    expect(retried).toMatchObject({ queue: name, job: "AlwaysFails", attempt: 3, error: { name: "Error", message: "boom on attempt 3" } });
    expect(retried.reason).toMatch(/attempts exhausted/);
    expect(retried.envelope?.args).toEqual({ kind: "transient" });
    const fatal = deadLetters.find((letter) => letter.id === fatalId)!;
    expect(fatal).toMatchObject({ attempt: 1, error: { name: "UnrecoverableError", message: "cannot ever work" } });
    expect(attempts.sort()).toEqual([1, 1, 2, 3]);
  },
});
