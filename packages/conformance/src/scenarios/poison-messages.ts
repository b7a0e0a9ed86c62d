import { expect } from "vitest";
import { Job, encodeEnvelope, ENVELOPE_FORMAT_VERSION } from "@hopper/core";
import { defineScenario } from "../scenario.js";
import { runWorkerUntil, testHopper, waitFor } from "../harness.js";

export const poisonMessages = defineScenario({
  name: "malformed, too deeply nested and unknown-job messages are dead-lettered while the worker keeps running",
  async run({ backend, queue }) {
    const name = queue("poison");
    const performed: number[] = [];
    class Good extends Job<{ n: number }> {
      static override queue = name;
      async perform(args: { n: number }) {
        performed.push(args.n);
      }
    }
    const hopper = testHopper(backend, [Good]);
    const unknown = encodeEnvelope({ hopper: ENVELOPE_FORMAT_VERSION, id: "unknown-1", job: "NoSuchJob", version: 1, args: {}, queue: name, priority: 0, enqueuedAt: new Date().toISOString(), attempt: 1, meta: {} });
    await backend.enqueue([
      { id: "garbage-1", queue: name, body: "{not json" },
      { id: "wrong-shape-1", queue: name, body: JSON.stringify({ hopper: 1, id: 5 }) },
      { id: "unknown-1", queue: name, body: unknown },
      { id: "deep-1", queue: name, body: `${"[".repeat(5000)}${"]".repeat(5000)}` },
    ]);
    await Good.performLater({ n: 1 });
    await runWorkerUntil(hopper, { queues: [name] }, () => performed.length === 1, "the good job to run");
    const letters: Awaited<ReturnType<ReturnType<typeof hopper.deadLetters>["take"]>> = [];
    await waitFor(async () => {
      letters.push(...(await hopper.deadLetters(name).take({ max: 10, waitMs: 200 })));
      return letters.length >= 4;
    }, "four dead letters");
    const byId = new Map(letters.map((letter) => [letter.id, letter]));
    expect(byId.get("garbage-1")).toMatchObject({ reason: "malformed envelope", body: "{not json", error: { name: "MalformedEnvelopeError" } });
    expect(byId.get("wrong-shape-1")?.error.message).toMatch(/envelope field id must be a non-empty string/);
    expect(byId.get("deep-1")?.error.message).toMatch(/nested deeper than 256 levels/);
    expect(byId.get("unknown-1")).toMatchObject({ reason: "unknown job", job: "NoSuchJob", error: { name: "UnknownJobError" } });
    expect(performed).toEqual([1]);
  },
});
