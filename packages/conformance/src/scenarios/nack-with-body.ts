import { expect } from "vitest";
import { defineScenario } from "../scenario.js";
import { expectNothingFor, receiveMessages } from "../harness.js";

export const nackWithBody = defineScenario({
  name: "nack({ body }) hands a message back with a new body, keeping its id and its place at the head of its ordering key",
  requires: ["nackBody", "ordering", "deliveryAttempts", "uncountedNack"],
  async run({ backend, queue }) {
    const name = queue("nackbody");
    await backend.enqueue([
      { id: "head", queue: name, body: "{\"v\":1}", orderingKey: "k" },
      { id: "behind", queue: name, body: "{\"v\":\"behind\"}", orderingKey: "k" },
    ]);
    const [first] = await receiveMessages(backend, name, 1);
    expect(first).toMatchObject({ id: "head", body: "{\"v\":1}", deliveryAttempt: 1 });
    // An uncounted hand-back with a new body: the same delivery count, the new body, still ahead of "behind".
    await first!.nack({ retryAfterMs: 0, countAttempt: false, body: "{\"v\":2}" });
    const [second] = await receiveMessages(backend, name, 1);
    expect(second).toMatchObject({ id: "head", body: "{\"v\":2}", deliveryAttempt: 1 });
    // The stale lease cannot write a body any more.
    await first!.nack({ retryAfterMs: 0, body: "{\"v\":\"stale\"}" });
    // A counted one, delayed: the line waits for it rather than let "behind" by.
    await second!.nack({ retryAfterMs: 300, body: "{\"v\":3}" });
    await expectNothingFor(backend, name, 150);
    const [third] = await receiveMessages(backend, name, 1);
    expect(third).toMatchObject({ id: "head", body: "{\"v\":3}", deliveryAttempt: 2 });
    // A nack without a body keeps the last one written.
    await third!.nack({ retryAfterMs: 0 });
    const [fourth] = await receiveMessages(backend, name, 1);
    expect(fourth).toMatchObject({ id: "head", body: "{\"v\":3}", deliveryAttempt: 3 });
    await fourth!.ack();
    const [last] = await receiveMessages(backend, name, 1);
    expect(last).toMatchObject({ id: "behind", body: "{\"v\":\"behind\"}" });
    await last!.ack();
  },
});
