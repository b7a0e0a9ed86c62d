import { expect } from "vitest";
import { Job } from "@hopper/core";
import { defineScenario } from "../scenario.js";
import { receiveMessages, testHopper } from "../harness.js";

export const batchBeyondMax = defineScenario({
  name: "performAllLater beyond the backend's max batch size enqueues every job",
  async run({ backend, queue }) {
    const name = queue("batch");
    class Bulk extends Job<{ n: number }> {
      static override queue = name;
      async perform() {}
    }
    testHopper(backend, [Bulk]);
    const count = Math.min(backend.capabilities.maxBatchSize * 2 + 3, 2003);
    const ids = await Bulk.performAllLater(Array.from({ length: count }, (_, n) => ({ n })));
    expect(new Set(ids).size).toBe(count);
    const received = await receiveMessages(backend, name, count, { timeoutMs: 60_000 });
    await Promise.all(received.map((message) => message.ack()));
    expect(new Set(received.map((message) => message.id))).toEqual(new Set(ids));
  },
  timeoutMs: 120_000,
});
