import { describe, expect, it } from "vitest";
import { createMemoryBackend } from "./memory-backend.js";

// A receive already waiting when a message is scheduled sooner than anything it knew of (a retry's short delay, a
// delayed enqueue) takes it once due, not at the end of its wait: before, it slept out the whole wait (a worker's
// pollWait, 5 s by default).
describe("memory backend: a waiting receive and a message due sooner", () => {
  it("delivers a delayed enqueue made while the receive waits, long before the wait ends", { timeout: 10_000 }, async () => {
    const backend = createMemoryBackend();
    try {
      const waiting = backend.receive({ queue: "wake", maxMessages: 1, waitMs: 60_000, leaseMs: 30_000 });
      await backend.enqueue([{ id: "soon", queue: "wake", body: "{}", delayMs: 50 }]);
      expect((await waiting).map((message) => message.id)).toEqual(["soon"]);
    } finally {
      await backend.close();
    }
  });

  it("delivers a nack's delayed copy to a receive that was already waiting", { timeout: 10_000 }, async () => {
    const backend = createMemoryBackend();
    try {
      await backend.enqueue([{ id: "retry", queue: "wake", body: "{}" }]);
      const [first] = await backend.receive({ queue: "wake", maxMessages: 1, waitMs: 0, leaseMs: 30_000 });
      const waiting = backend.receive({ queue: "wake", maxMessages: 1, waitMs: 60_000, leaseMs: 30_000 });
      await first!.nack({ retryAfterMs: 50 });
      expect((await waiting).map((message) => message.id)).toEqual(["retry"]);
    } finally {
      await backend.close();
    }
  });
});
