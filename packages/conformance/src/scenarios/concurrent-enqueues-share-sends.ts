import { expect } from "vitest";
import { Job } from "@hopper/core";
import { defineScenario } from "../scenario.js";
import { countingBackend, expectNothingFor, receiveMessages, testHopper } from "../harness.js";

const callCount = 30;

export const concurrentEnqueuesShareSends = defineScenario({
  name: "concurrent single enqueues share backend sends, each call resolving with its own job's id",
  async run({ backend, queue }) {
    const evenQueue = queue("even");
    const oddQueue = queue("odd");
    class Even extends Job<{ n: number }> {
      static override queue = evenQueue;
      async perform() {}
    }
    class Odd extends Job<{ n: number }> {
      static override queue = oddQueue;
      async perform() {}
    }
    const counting = countingBackend(backend);
    testHopper(counting.backend, [Even, Odd]);

    // Two job classes on two queues, interleaved: one shared send carries both.
    const numbers = Array.from({ length: callCount }, (_, n) => n);
    const ids = await Promise.all(numbers.map((n) => (n % 2 === 0 ? Even : Odd).performLater({ n })));

    expect(new Set(ids).size).toBe(callCount);
    expect(counting.calls.flatMap((call) => call.ids).sort()).toEqual([...ids].sort());
    // The first call goes alone, the ones made meanwhile wait and go together.
    expect(counting.calls.length).toBeLessThan(callCount / 2);
    expect(Math.max(...counting.calls.map((call) => call.ids.length))).toBeGreaterThan(1);

    const received = [...(await receiveMessages(backend, evenQueue, callCount / 2)), ...(await receiveMessages(backend, oddQueue, callCount / 2))];
    const numberOf = new Map(received.map((message) => [message.id, (JSON.parse(message.body) as { args: { n: number } }).args.n]));
    expect(ids.map((id) => numberOf.get(id))).toEqual(numbers);
    await Promise.all(received.map((message) => message.ack()));
    await expectNothingFor(backend, evenQueue, 300);
  },
});
