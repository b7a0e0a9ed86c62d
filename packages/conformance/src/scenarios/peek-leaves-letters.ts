import { expect } from "vitest";
import { Job, UnrecoverableError, deadLetterQueueName } from "@hopper/core";
import { defineScenario } from "../scenario.js";
import { receiveMessages, runWorkerUntil, testHopper, waitFor } from "../harness.js";

export const peekLeavesLetters = defineScenario({
  name: "peeking at dead letters leaves them as they were: visible at once, their delivery count unchanged",
  requires: ["uncountedNack", "nackBody", "deliveryAttempts"],
  async run({ backend, queue }) {
    const name = queue("peeked");
    let runs = 0;
    class Fatal extends Job<Record<string, never>> {
      static override queue = name;
      async perform() {
        runs += 1;
        throw new UnrecoverableError("never works");
      }
    }
    const hopper = testHopper(backend, [Fatal]);
    const id = await Fatal.performLater({});
    await runWorkerUntil(hopper, { queues: [name] }, () => runs === 1, "the job's one run");
    const letters = hopper.deadLetters(name);
    await waitFor(async () => (await letters.peek({ waitMs: 200 })).some((letter) => letter.id === id), "the dead letter to show");
    // Each peek must find the letter again at once: a peek that hid it for a while, or spent a delivery on it, would
    // thin out the next operator's listing and count towards any limit the dead-letter queue has.
    for (let look = 0; look < 3; look += 1) expect((await letters.peek({ waitMs: 1000 })).map((letter) => letter.id)).toEqual([id]);
    const [stored] = await receiveMessages(backend, deadLetterQueueName(name), 1);
    expect(stored?.deliveryAttempt).toBe(1);
    await stored!.nack({ retryAfterMs: 0, countAttempt: false });
    expect((await letters.take({ waitMs: 1000 })).map((letter) => letter.id)).toEqual([id]);
  },
});
