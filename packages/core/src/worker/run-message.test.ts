import { describe, expect, it } from "vitest";
import { encodeEnvelope, ENVELOPE_FORMAT_VERSION } from "../envelope/envelope.js";
import { createHopper } from "../hopper.js";
import { Job } from "../job.js";
import { createConsoleLogger } from "../logger.js";
import { createMemoryBackend } from "../memory/memory-backend.js";

describe("runMessage (push handlers)", () => {
  it("dead-letters a pushed envelope that names another queue on the handler's queue, without running it", async () => {
    const store = `run-message-${Date.now().toString(36)}`;
    const performed: string[] = [];
    class Pushed extends Job<{ tag: string }> {
      static override queue = "served";
      async perform(args: { tag: string }) {
        performed.push(args.tag);
      }
    }
    const backend = createMemoryBackend({ store });
    const hopper = createHopper({ backend, jobs: [Pushed], logger: createConsoleLogger("silent") });
    try {
      const later = new Date(Date.now() + 60_000).toISOString();
      const body = encodeEnvelope({ hopper: ENVELOPE_FORMAT_VERSION, id: "forged-1", job: "Pushed", version: 1, args: { tag: "forged" }, queue: "elsewhere", priority: 0, enqueuedAt: new Date().toISOString(), runAt: later, attempt: 1, meta: {} });
      expect(await hopper.runMessage({ queue: "served", body, id: "platform-1", deliveryAttempt: 1 })).toEqual({ status: "done" });
      const [letter] = await hopper.deadLetters("served").take({ max: 5 });
      expect(letter).toMatchObject({ id: "forged-1", queue: "served", reason: "misaddressed: the envelope names another queue" });
      expect(performed).toEqual([]);
      for (const untouched of ["elsewhere", "elsewhere-dead", "served"]) {
        expect(await backend.receive({ queue: untouched, maxMessages: 5, waitMs: 0, leaseMs: 1000 })).toEqual([]);
      }
    } finally {
      await hopper.close();
    }
  });
});
