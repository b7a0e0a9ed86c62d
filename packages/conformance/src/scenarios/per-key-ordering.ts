import { expect } from "vitest";
import { defineScenario } from "../scenario.js";
import { expectNothingFor, receiveMessages } from "../harness.js";

export const perKeyOrdering = defineScenario({
  name: "messages sharing an ordering key are delivered one at a time, in order",
  requires: ["ordering"],
  async run({ backend, queue }) {
    const name = queue("ordering");
    const messages = [1, 2, 3, 4].flatMap((n) => ["a", "b"].map((key) => ({ id: `${key}-${n}`, queue: name, body: "{}", orderingKey: key })));
    await backend.enqueue(messages);
    // Only the head of each key may be out at once.
    const heads = await receiveMessages(backend, name, 4, { timeoutMs: 3000 });
    expect(heads.map((message) => message.id).sort()).toEqual(["a-1", "b-1"]);
    await heads.find((message) => message.id === "b-1")!.ack();
    const afterB = await receiveMessages(backend, name, 1);
    expect(afterB.map((message) => message.id)).toEqual(["b-2"]);
    // A nacked head comes back before anything behind it.
    await heads.find((message) => message.id === "a-1")!.nack();
    const again = await receiveMessages(backend, name, 1);
    expect(again[0]?.id).toBe("a-1");
    await again[0]!.ack();
    await afterB[0]!.ack();

    const seen: Record<string, string[]> = { a: ["a-1"], b: ["b-1", "b-2"] };
    while (seen.a!.length + seen.b!.length < 8) {
      const batch = await receiveMessages(backend, name, 2, { timeoutMs: 5000 });
      expect(batch.length).toBeGreaterThan(0);
      for (const message of batch) {
        seen[message.id.split("-")[0]!]!.push(message.id);
        await message.ack();
      }
    }
    expect(seen).toEqual({ a: ["a-1", "a-2", "a-3", "a-4"], b: ["b-1", "b-2", "b-3", "b-4"] });
    await expectNothingFor(backend, name, 500);
  },
});
