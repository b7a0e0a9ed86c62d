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
