import { describe, expect, it } from "vitest";
import { FIRST_EMPTY_PULL_PAUSE_MS, LONGEST_EMPTY_PULL_PAUSE_MS, PullPacer } from "./pubsub-pull-pacer.js";

describe("PullPacer: the pace of one subscription's empty pulls", () => {
  it("pulls at once until a pull comes back empty, then pauses a doubling step up to the longest", () => {
    const pacer = new PullPacer(() => 0.999_999);
    expect(pacer.msUntilNextPull(1000)).toBe(0);
    const pauses: number[] = [];
    for (let pull = 0; pull < 10; pull++) {
      pacer.pulledNothing(1000);
      pauses.push(Math.round(pacer.msUntilNextPull(1000)));
    }
    expect(pauses).toEqual([2, 4, 8, 16, 32, 64, 128, 200, 200, 200]);
    expect(FIRST_EMPTY_PULL_PAUSE_MS).toBe(2);
    expect(LONGEST_EMPTY_PULL_PAUSE_MS).toBe(200);
  });

  it("draws each pause between half and all of its step, so two idle workers do not pull in step", () => {
    const low = new PullPacer(() => 0);
    const high = new PullPacer(() => 0.999_999);
    for (let pull = 0; pull < 9; pull++) {
      low.pulledNothing(0);
      high.pulledNothing(0);
    }
    expect(low.msUntilNextPull(0)).toBe(100);
    expect(high.msUntilNextPull(0)).toBeCloseTo(200, 3);
  });

  it("keeps the pause past the receive that made it: time spent elsewhere counts toward it", () => {
    const pacer = new PullPacer(() => 0.5);
    for (let pull = 0; pull < 9; pull++) pacer.pulledNothing(5000);
    expect(pacer.msUntilNextPull(5000)).toBe(150);
    expect(pacer.msUntilNextPull(5100)).toBe(50);
    expect(pacer.msUntilNextPull(5200)).toBe(0);
  });

  it("a pull that brings messages starts over: the next goes at once, the next pause is the first step", () => {
    const pacer = new PullPacer(() => 0.999_999);
    for (let pull = 0; pull < 9; pull++) pacer.pulledNothing(0);
    pacer.pulledMessages();
    expect(pacer.msUntilNextPull(0)).toBe(0);
    pacer.pulledNothing(0);
    expect(Math.round(pacer.msUntilNextPull(0))).toBe(2);
  });
});
