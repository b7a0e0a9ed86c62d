import { expect } from "vitest";
import { defineScenario } from "../scenario.js";
import { expectNothingFor, receiveMessages, sleep } from "../harness.js";

export const leaseExtension = defineScenario({
  name: "extendLease keeps a message invisible past its first lease",
  requires: ["leaseExtension"],
  timeoutMs: 90_000,
  async run({ backend, createBackend, queue }) {
    const name = queue("extend");
    await backend.enqueue([{ id: "e1", queue: name, body: "{}" }]);
    // Renewed every quarter lease, so a slow round trip on a loaded machine does not lose it; 4 s rides out the
    // stall of an embedded database (PGlite) while every concurrent scenario opens its backend and migrates.
    const leaseMs = Math.max(4000, backend.capabilities.minLeaseMs);
    const [message] = await receiveMessages(backend, name, 1, { leaseMs });
    const other = await createBackend();
    const watching = expectNothingFor(other, name, leaseMs * 2.5);
    for (let elapsed = 0; elapsed < leaseMs * 2.5; elapsed += leaseMs / 4) {
      await message!.extendLease(leaseMs);
      await sleep(leaseMs / 4);
    }
    await watching;
    await message!.ack();
    await expectNothingFor(other, name, leaseMs + 1000);
    expect(message!.id).toBe("e1");
  },
});
