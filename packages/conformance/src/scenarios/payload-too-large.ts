import { expect } from "vitest";
import { Job, PayloadTooLargeError } from "@hopper/core";
import { defineScenario } from "../scenario.js";
import { expectNothingFor, testHopper } from "../harness.js";

export const payloadTooLarge = defineScenario({
  name: "a job over the backend's payload limit is refused at enqueue, naming size and limit",
  async run({ backend, queue }) {
    const name = queue("large");
    class Large extends Job<{ blob: string }> {
      static override queue = name;
      async perform() {}
    }
    testHopper(backend, [Large]);
    const limit = backend.capabilities.maxPayloadBytes;
    if (limit > 64 * 1024 * 1024) return; // no practical limit to cross in a test
    const error = await Large.performLater({ blob: "x".repeat(limit + 1) }).catch((caught: unknown) => caught);
    expect(PayloadTooLargeError.isInstance(error)).toBe(true);
    expect((error as PayloadTooLargeError).limitBytes).toBe(limit);
    expect((error as Error).message).toContain(`limit of ${limit} bytes`);
    await expectNothingFor(backend, name, 300);
  },
});
