import { expect } from "vitest";
import { defineScenario } from "../scenario.js";
import { receiveMessages } from "../harness.js";

export const priorityOrder = defineScenario({
  name: "higher priority is received first; equal priorities keep enqueue order",
  requires: ["priority"],
  async run({ backend, queue }) {
    const name = queue("priority");
    await backend.enqueue([
      { id: "low", queue: name, body: "{}", priority: -5 },
      { id: "normal-1", queue: name, body: "{}" },
      { id: "high", queue: name, body: "{}", priority: 10 },
      { id: "normal-2", queue: name, body: "{}" },
      { id: "mid", queue: name, body: "{}", priority: 3 },
    ]);
    const order: string[] = [];
    for (let index = 0; index < 5; index++) {
      const [message] = await receiveMessages(backend, name, 1);
      order.push(message!.id);
      await message!.ack();
    }
    expect(order).toEqual(["high", "mid", "normal-1", "normal-2", "low"]);
  },
});
