import { expect } from "vitest";
import { defineScenario } from "../scenario.js";
import { receiveMessages } from "../harness.js";

export const nackRedelivers = defineScenario({
  name: "nack without delay redelivers the message at once",
  async run({ backend, queue }) {
    const name = queue("nack");
    await backend.enqueue([{ id: "n1", queue: name, body: "{\"n\":1}" }]);
    const [first] = await receiveMessages(backend, name, 1);
    expect(first?.id).toBe("n1");
    await first!.nack();
    const [second] = await receiveMessages(backend, name, 1);
    expect(second?.id).toBe("n1");
    expect(second?.body).toBe("{\"n\":1}");
    if (backend.capabilities.deliveryAttempts) {
      expect(first!.deliveryAttempt).toBe(1);
      expect(second!.deliveryAttempt).toBe(2);
    }
    await second!.ack();
  },
});
