import { expect } from "vitest";
import { defineScenario } from "../scenario.js";
import { expectNothingFor, receiveMessages } from "../harness.js";

export const queueIsolation = defineScenario({
  name: "a message is received only from the queue it was sent to",
  async run({ backend, queue }) {
    const first = queue("isoa");
    const second = queue("isob");
    await backend.enqueue([{ id: "only-a", queue: first, body: "{}" }]);
    await expectNothingFor(backend, second, 500);
    const [message] = await receiveMessages(backend, first, 1);
    expect(message?.id).toBe("only-a");
    await message!.ack();
  },
});
