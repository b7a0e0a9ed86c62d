import { expect } from "vitest";
import { defineScenario } from "../scenario.js";
import { receiveMessages } from "../harness.js";

export const leaseExpiry = defineScenario({
  name: "a message neither acked nor nacked is redelivered when its lease ends, attempt counted",
  async run({ backend, createBackend, queue }) {
    const name = queue("lease");
    await backend.enqueue([{ id: "l1", queue: name, body: "{}" }]);
    const leaseMs = Math.max(1000, backend.capabilities.minLeaseMs);
    const [first] = await receiveMessages(backend, name, 1, { leaseMs });
    expect(first?.id).toBe("l1");
    // A second consumer (another process, in effect) takes it over once the lease is gone.
    const other = await createBackend();
    const [second] = await receiveMessages(other, name, 1, { leaseMs: 30_000, timeoutMs: leaseMs + 20_000 });
    expect(second?.id).toBe("l1");
    if (backend.capabilities.deliveryAttempts) expect(second!.deliveryAttempt).toBe(2);
    await second!.ack();
    // The first holder's late ack must not disturb anything.
    await first!.ack();
  },
});
