import { describe, expect, it } from "vitest";
import { buildDeadLetter, fitDeadLetter } from "./dead-letters.js";

describe("a dead letter cut to fit its queue", () => {
  const letterOf = (body: string) => buildDeadLetter({ queue: "fit", messageId: "m-1", envelope: null, body, reason: "not an envelope", error: new Error("bad body"), attempt: 1, maxPayloadBytes: 64 * 1024 * 1024 });
  const limit = 256 * 1024;

  it.each([
    ["plain text", "x"],
    ["control characters (6 bytes of JSON each)", "\u0001"],
    ["multi-byte characters", "é"],
    ["four-byte characters", "😀"],
  ])("keeps as much of a body of %s as fits, and fits", (_kind, unit) => {
    const raw = unit.repeat(Math.ceil((4 * 1024 * 1024) / unit.length));
    const cut = fitDeadLetter(letterOf(raw), limit);
    const bytes = Buffer.byteLength(JSON.stringify(cut));
    expect(bytes).toBeLessThanOrEqual(limit);
    // Most of the room holds body, not an empty cut.
    expect(bytes).toBeGreaterThan(limit * 0.9);
    expect(cut.body).toMatch(/…\[cut by hopper: \d+ characters dropped to fit 262144 bytes\]$/);
    expect(cut.error).toEqual({ name: "Error", message: "bad body" });
  });

  it("leaves a letter that fits as it is", () => {
    const letter = letterOf("small");
    expect(fitDeadLetter(letter, limit)).toBe(letter);
  });
});

describe("a dead-letter queue's bodies as peek reads them", () => {
  it("reports a hand-made body missing a dead letter's fields as no dead letter, and reads one Hopper wrote", async () => {
    const { createHopper } = await import("./hopper.js");
    const { createMemoryBackend } = await import("./memory/memory-backend.js");
    const { createConsoleLogger } = await import("./logger.js");
    const { deadLetterQueueName } = await import("./names.js");
    const backend = createMemoryBackend();
    const hopper = createHopper({ backend, jobs: [], logger: createConsoleLogger("silent") });
    try {
      const written = buildDeadLetter({ queue: "bodies", messageId: "m-2", envelope: null, body: "{", reason: "not an envelope", error: new Error("bad"), attempt: 1, maxPayloadBytes: 1024 * 1024 });
      // The usual letter: a decoded envelope beside `body: null`.
      const envelope = { hopper: 1 as const, id: "job-3", job: "Gone", version: 1, args: {}, queue: "bodies", priority: 0, enqueuedAt: new Date(0).toISOString(), attempt: 3, meta: {} };
      const withEnvelope = buildDeadLetter({ queue: "bodies", messageId: "m-3", envelope, body: undefined, reason: "out of attempts", error: new Error("boom"), attempt: 3, maxPayloadBytes: 1024 * 1024 });
      await backend.enqueue([
        { id: "forged", queue: deadLetterQueueName("bodies"), body: JSON.stringify({ hopperDeadLetter: 1, id: "someone-elses-job" }) },
        { id: "real", queue: deadLetterQueueName("bodies"), body: JSON.stringify(written) },
        { id: "usual", queue: deadLetterQueueName("bodies"), body: JSON.stringify(withEnvelope) },
      ]);
      const letters = await hopper.deadLetters("bodies").peek({ max: 10 });
      const byReason = Object.fromEntries(letters.map((letter) => [letter.reason, letter]));
      expect(byReason["not a Hopper dead letter"]?.id).toBe("forged");
      expect(byReason["not an envelope"]).toMatchObject({ id: "m-2", error: { name: "Error", message: "bad" } });
      expect(byReason["out of attempts"]).toMatchObject({ id: "job-3", queue: "bodies", envelope: { id: "job-3", job: "Gone" } });
    } finally {
      await hopper.close();
    }
  });
});
