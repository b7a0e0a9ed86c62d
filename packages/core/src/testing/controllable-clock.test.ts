import { afterEach, describe, expect, it, vi } from "vitest";
import { ConfigurationError } from "../errors/configuration-error.js";
import { createTestClock } from "./controllable-clock.js";

afterEach(() => {
  vi.restoreAllMocks();
});

/** Real time that moves `stepMs` on every read, as on a loaded machine between two reads. */
function realTimeStepping(stepMs: number) {
  let now = Date.parse("2026-12-05T08:00:00Z");
  vi.spyOn(Date, "now").mockImplementation(() => (now += stepMs));
}

describe("the test clock", () => {
  it("refuses a test's own step back, naming the field", () => {
    const clock = createTestClock();
    const past = new Date(clock.nowMs() - 1_000);
    expect(() => clock.set(past)).toThrow(ConfigurationError);
    expect(() => clock.set(past)).toThrow(/clock\.set: .* is before the clock's .*: the test clock only moves forward/);
  });

  it("moves forward to a time real time passed between reading the clock and moving it, without throwing or going back", () => {
    realTimeStepping(5);
    const clock = createTestClock();
    const target = clock.nowMs() + 2; // the next read is already 3 ms past it
    expect(() => clock.moveForwardTo(target)).not.toThrow();
    const after = clock.nowMs();
    expect(after).toBeGreaterThanOrEqual(target);
    clock.moveForwardTo(after - 1_000);
    expect(clock.nowMs()).toBeGreaterThan(after);
  });

  it("moves forward to a later time exactly, real time aside", () => {
    realTimeStepping(0);
    const clock = createTestClock();
    const target = clock.nowMs() + 3_600_000;
    clock.moveForwardTo(target);
    expect(clock.nowMs()).toBe(target);
  });
});
