import { expect } from "vitest";
import { defineScenario } from "../scenario.js";
import { expectNothingFor, receiveMessages } from "../harness.js";

export const ackRemoves = defineScenario({
  name: "ack removes a message for good, even after its lease would have ended",
  async run({ backend, queue }) {
    const name = queue("ack");
    await backend.enqueue([{ id: "a1", queue: name, body: "{}" }]);
    const leaseMs = backend.capabilities.minLeaseMs;
    const [message] = await receiveMessages(backend, name, 1, { leaseMs });
    expect(message?.id).toBe("a1");
    await message!.ack();
    await expectNothingFor(backend, name, leaseMs + 1500);
    if (backend.stats) expect(await backend.stats(name)).toEqual({ ready: 0, delayed: 0, inFlight: 0 });
  },
});
