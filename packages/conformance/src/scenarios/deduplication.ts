import { expect } from "vitest";
import { Job } from "@hopper/core";
import { defineScenario } from "../scenario.js";
import { expectNothingFor, receiveMessages, testHopper } from "../harness.js";

export const deduplication = defineScenario({
  name: "a second job with a queued job's dedupe key is dropped and returns the first id",
  requires: ["deduplication"],
  async run({ backend, queue }) {
    const name = queue("dedupe");
    class Deduped extends Job<{ n: number }> {
      static override queue = name;
      async perform() {}
    }
    testHopper(backend, [Deduped]);
    const first = await Deduped.set({ dedupeKey: "report-42" }).performLater({ n: 1 });
    const second = await Deduped.set({ dedupeKey: "report-42" }).performLater({ n: 2 });
    const other = await Deduped.set({ dedupeKey: "report-43" }).performLater({ n: 3 });
    expect(second).toBe(first);
    expect(other).not.toBe(first);
    const received = await receiveMessages(backend, name, 3, { timeoutMs: 3000 });
    expect(received.map((message) => message.id).sort()).toEqual([first, other].sort());
    await Promise.all(received.map((message) => message.ack()));
    await expectNothingFor(backend, name, 500);
  },
});
