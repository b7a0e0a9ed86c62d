import { expect } from "vitest";
import { defineScenario } from "../scenario.js";
import { expectNothingFor, receiveMessages } from "../harness.js";

export const uncountedNack = defineScenario({
  name: "nack({ countAttempt: false }) hands a message back uncounted; its late ack, nack or extend stays a no-op",
  requires: ["uncountedNack", "deliveryAttempts", "reportsLostLease"],
  async run({ backend, queue }) {
    const name = queue("uncounted");
    await backend.enqueue([{ id: "u1", queue: name, body: "{\"n\":1}" }]);
    const [first] = await receiveMessages(backend, name, 1);
    expect(first?.deliveryAttempt).toBe(1);
    await first!.nack({ retryAfterMs: 0, countAttempt: false });
    const [second] = await receiveMessages(backend, name, 1);
    expect(second).toMatchObject({ id: "u1", body: "{\"n\":1}", deliveryAttempt: 1 });
    // The first delivery's lease is gone for good although the count is the same: its calls change nothing.
    await expect(first!.extendLease(30_000)).resolves.toBe(false);
    await first!.ack();
    await first!.nack({ retryAfterMs: 0, countAttempt: false });
    await expect(second!.extendLease(30_000)).resolves.toBe(true);
    // A counted nack counts again.
    await second!.nack({ retryAfterMs: 0 });
    const [third] = await receiveMessages(backend, name, 1);
    expect(third?.deliveryAttempt).toBe(2);
    await third!.ack();
    await expectNothingFor(backend, name, 1000);
  },
});

export const uncountedNackLostLease = defineScenario({
  name: "an uncounted hand-back of a lease already lost neither resurrects nor doubles the message, nor lowers its count",
  requires: ["uncountedNack", "deliveryAttempts", "reportsLostLease"],
  async run({ backend, createBackend, queue }) {
    const name = queue("uncountedlost");
    await backend.enqueue([{ id: "u2", queue: name, body: "{}" }]);
    const leaseMs = Math.max(1000, backend.capabilities.minLeaseMs);
    const [first] = await receiveMessages(backend, name, 1, { leaseMs });
    const other = await createBackend();
    const [second] = await receiveMessages(other, name, 1, { leaseMs: 30_000, timeoutMs: leaseMs + 20_000 });
    expect(second?.deliveryAttempt).toBe(2);
    // The old holder hands back late: the message stays with its new holder, once.
    await first!.nack({ retryAfterMs: 0, countAttempt: false });
    await expectNothingFor(backend, name, 1000);
    await expect(second!.extendLease(30_000)).resolves.toBe(true);
    // Racing its own ack, an uncounted hand-back leaves the message either acked (gone) or back once: never lost, never doubled.
    await second!.nack({ retryAfterMs: 0 });
    const [third] = await receiveMessages(backend, name, 1);
    expect(third?.deliveryAttempt).toBe(3);
    await Promise.all([third!.ack(), third!.nack({ retryAfterMs: 0, countAttempt: false })]);
    const after = await receiveMessages(backend, name, 1, { timeoutMs: 2000 });
    for (const message of after) {
      expect(message.deliveryAttempt).toBe(3);
      await message.ack();
    }
    expect(after.length).toBeLessThanOrEqual(1);
    await expectNothingFor(backend, name, 1000);
  },
});
