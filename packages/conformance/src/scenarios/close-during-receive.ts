import { expect } from "vitest";
import { BackendClosedError } from "@hopper/core/backend";
import { defineScenario } from "../scenario.js";

export const closeDuringReceive = defineScenario({
  name: "close resolves a pending receive with nothing; later calls reject; close is idempotent",
  async run({ backend, queue }) {
    const name = queue("close");
    const pending = backend.receive({ queue: name, maxMessages: 1, waitMs: 15_000, leaseMs: Math.max(30_000, backend.capabilities.minLeaseMs) });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await backend.close();
    await expect(pending).resolves.toEqual([]);
    await backend.close();
    const error = await backend.enqueue([{ id: "late", queue: name, body: "{}" }]).catch((caught: unknown) => caught);
    expect(BackendClosedError.isInstance(error)).toBe(true);
  },
});
