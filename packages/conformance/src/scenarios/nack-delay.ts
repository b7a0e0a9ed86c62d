import { expect } from "vitest";
import { defineScenario } from "../scenario.js";
import { expectNothingFor, receiveMessages } from "../harness.js";

export const nackDelay = defineScenario({
  name: "nack with retryAfterMs redelivers no sooner than the delay",
  requires: ["nackDelay"],
  async run({ backend, queue }) {
    const name = queue("nackdelay");
    await backend.enqueue([{ id: "d1", queue: name, body: "{}" }]);
    const [first] = await receiveMessages(backend, name, 1);
    const delayMs = 2000;
    const nackedAt = Date.now();
    await first!.nack({ retryAfterMs: delayMs });
    await expectNothingFor(backend, name, delayMs / 2);
    const [second] = await receiveMessages(backend, name, 1, { timeoutMs: 30_000 });
    expect(second?.id).toBe("d1");
    // Backends count delays in whole seconds at best; allow for that rounding only.
    expect(Date.now() - nackedAt).toBeGreaterThanOrEqual(delayMs - 1000);
    await second!.ack();
  },
});
