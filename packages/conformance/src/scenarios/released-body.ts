import { expect } from "vitest";
import { defineScenario } from "../scenario.js";
import { expectNothingFor, receiveMessages } from "../harness.js";

// `releaseBody` is optional: a backend without it is held to the same lease semantics, the call skipped.
export const releasedBody = defineScenario({
  name: "a message whose body was released (releaseBody) still renews, nacks and acks its lease, and comes back whole",
  timeoutMs: 60_000,
  async run({ backend, queue }) {
    const name = queue("released");
    const body = JSON.stringify({ hopper: 1, text: "kept by the backend, not by the leased message" });
    await backend.enqueue([{ id: "r1", queue: name, body }]);
    const leaseMs = Math.max(4000, backend.capabilities.minLeaseMs);
    const [first] = await receiveMessages(backend, name, 1, { leaseMs });
    expect(first?.body).toBe(body);
    first!.releaseBody?.();
    if (first!.releaseBody) expect(first!.body).toBe("");
    if (backend.capabilities.leaseExtension) expect(await first!.extendLease(leaseMs)).not.toBe(false);
    await first!.nack();
    const [second] = await receiveMessages(backend, name, 1, { leaseMs });
    expect(second?.id).toBe("r1");
    expect(second?.body).toBe(body);
    second!.releaseBody?.();
    await second!.ack();
    await expectNothingFor(backend, name, 1500);
  },
});
