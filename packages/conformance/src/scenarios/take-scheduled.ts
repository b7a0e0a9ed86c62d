import { expect } from "vitest";
import { Job, moveJobs, UnsupportedCapabilityError } from "@hopper/core";
import { createMemoryBackend } from "@hopper/core/memory";
import { defineScenario } from "../scenario.js";
import { receiveMessages, sleep, testHopper } from "../harness.js";

function delayedJobs(queueName: string) {
  return class Delayed extends Job<{ n: number }> {
    static override queue = queueName;
    async perform() {}
  };
}

export const takeScheduled = defineScenario({
  name: "takeScheduled leases delayed messages, soonest due first, exclusively; ack removes, nack puts back delayed, an expired lease makes them ready",
  requires: ["takeScheduled", "delayedDelivery"],
  async run({ backend, queue }) {
    const name = queue("scheduled");
    const Delayed = delayedJobs(name);
    testHopper(backend, [Delayed]);
    const due = await Delayed.performLater({ n: 0 });
    const later = await Delayed.set({ wait: "3h" }).performLater({ n: 3 });
    const soon = await Delayed.set({ wait: "1h" }).performLater({ n: 1 });
    const middle = await Delayed.set({ wait: "2h" }).performLater({ n: 2 });
    const take = (maxMessages: number, leaseMs = 60_000) => backend.takeScheduled!({ queue: name, maxMessages, leaseMs });

    const first = await take(2);
    expect(first.map((message) => message.id)).toEqual([soon, middle]);
    expect(first[0]!.dueAt).toBeGreaterThan(Date.now() + 3_500_000);
    expect(first[0]!.dueAt).toBeLessThan(first[1]!.dueAt);
    expect(first[0]!.body).toContain(`"id":"${soon}"`);
    // Leased: another take sees only the one left; receive never returns delayed messages.
    expect((await take(10)).map((message) => message.id)).toEqual([later]);
    expect((await receiveMessages(backend, name, 2, { timeoutMs: 1500 })).map((message) => message.id)).toEqual([due]);

    await first[0]!.ack();
    await first[1]!.nack({ retryAfterMs: 3_600_000 });
    expect((await take(10, 300)).map((message) => message.id)).toEqual([middle]);
    // That lease runs out: the message comes back ready (early; the envelope's runAt holds it back in a worker).
    await sleep(600);
    const expired = await receiveMessages(backend, name, 2, { timeoutMs: 3000 });
    expect(expired.map((message) => message.id)).toContain(middle);
    expect(expired.map((message) => message.id)).not.toContain(soon);
  },
});

export const moveRefusesUntakeableDelays = defineScenario({
  name: "moveJobs refuses before moving anything when the source holds delayed jobs it cannot take",
  requires: ["delayedDelivery"],
  requiresAbsent: ["takeScheduled"],
  async run({ backend, queue }) {
    if (!backend.stats) return;
    const name = queue("unmovable");
    const Delayed = delayedJobs(name);
    testHopper(backend, [Delayed]);
    await Delayed.performLater({ n: 0 });
    await Delayed.set({ wait: "1h" }).performLater({ n: 1 });
    const target = createMemoryBackend({ store: `move-${name}` });
    try {
      const refusal = await moveJobs({ from: backend, to: target, queues: [name], idleWaitMs: 0 }).catch((error: unknown) => error);
      expect(UnsupportedCapabilityError.isInstance(refusal) && refusal.capability).toBe("takeScheduled");
      expect(await target.stats!(name)).toEqual({ ready: 0, delayed: 0, inFlight: 0 });
    } finally {
      await target.close();
    }
  },
});
