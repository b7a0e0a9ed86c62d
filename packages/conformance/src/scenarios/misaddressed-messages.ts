import { expect } from "vitest";
import { Job, encodeEnvelope, ENVELOPE_FORMAT_VERSION } from "@hopper/core";
import { defineScenario } from "../scenario.js";
import { expectNothingFor, runWorkerUntil, testHopper, waitFor } from "../harness.js";

export const misaddressedMessages = defineScenario({
  name: "a message whose envelope names another queue is dead-lettered on the queue it came from, never run and never written to the named queue",
  async run({ backend, queue }) {
    const name = queue("recv");
    const victim = queue("victim");
    const performed: string[] = [];
    class Target extends Job<{ tag: string }> {
      static override queue = name;
      static override retry = { attempts: 3, wait: 10, jitter: 0 };
      async perform(args: { tag: string }) {
        performed.push(args.tag);
        if (args.tag === "fails") throw new Error("would be retried by republishing");
      }
    }
    const hopper = testHopper(backend, [Target]);
    const forged = (id: string, tag: string, extra: Record<string, unknown> = {}) =>
      encodeEnvelope({ hopper: ENVELOPE_FORMAT_VERSION, id, job: "Target", version: 1, args: { tag }, queue: victim, priority: 0, enqueuedAt: new Date().toISOString(), attempt: 1, meta: {}, ...extra });
    await backend.enqueue([
      // Each would make the worker write to `victim`: a run, a retry (republish) and a hold until runAt (republish).
      { id: "forged-run", queue: name, body: forged("forged-run", "runs") },
      { id: "forged-fail", queue: name, body: forged("forged-fail", "fails") },
      { id: "forged-later", queue: name, body: forged("forged-later", "later", { runAt: new Date(Date.now() + 60_000).toISOString() }) },
    ]);
    await Target.performLater({ tag: "good" });
    await runWorkerUntil(hopper, { queues: [name] }, () => performed.includes("good"), "the well-addressed job to run");
    const letters: Awaited<ReturnType<ReturnType<typeof hopper.deadLetters>["take"]>> = [];
    await waitFor(async () => {
      letters.push(...(await hopper.deadLetters(name).take({ max: 10, waitMs: 200 })));
      return letters.length >= 3;
    }, "three dead letters");
    expect(letters.map((letter) => letter.id).sort()).toEqual(["forged-fail", "forged-later", "forged-run"]);
    for (const letter of letters) {
      expect(letter).toMatchObject({ queue: name, job: "Target", reason: "misaddressed: the envelope names another queue" });
      expect(letter.error.message).toContain(victim);
    }
    expect(performed).toEqual(["good"]);

    // Dead-letter retry puts back only envelopes addressed to the queue, and survives bodies that are not dead letters.
    const forgedLetter = { ...letters[0]!, envelope: JSON.parse(forged("forged-letter", "from-dead-letters")) };
    await backend.enqueue([
      { id: "forged-letter", queue: `${name}-dead`, body: JSON.stringify(forgedLetter) },
      { id: "garbage-letter", queue: `${name}-dead`, body: "{not a dead letter" },
    ]);
    expect(await hopper.deadLetters(name).retry({ max: 10, waitMs: 1000 })).toBe(0);
    await expectNothingFor(backend, name, 300);
    await expectNothingFor(backend, victim, 300);
    await expectNothingFor(backend, `${victim}-dead`, 200);
  },
});
