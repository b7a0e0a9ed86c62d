import { expect } from "vitest";
import { defineScenario } from "../scenario.js";
import { receiveMessages } from "../harness.js";

export const abortReceive = defineScenario({
  name: "aborting a pending receive resolves it with nothing and loses no message",
  async run({ backend, queue }) {
    const name = queue("abort");
    const controller = new AbortController();
    const pending = backend.receive({ queue: name, maxMessages: 1, waitMs: 15_000, leaseMs: Math.max(30_000, backend.capabilities.minLeaseMs), signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 300));
    controller.abort();
    await expect(pending).resolves.toEqual([]);
    await backend.enqueue([{ id: "after-abort", queue: name, body: "{}" }]);
    const [message] = await receiveMessages(backend, name, 1);
    expect(message?.id).toBe("after-abort");
    await message!.ack();
  },
});
