import { describe, expect, it } from "vitest";
import { delayedShortfallNote, halfOfSustainedRate, nextSearchRate } from "./latency-scenario.js";

describe("nextSearchRate", () => {
  it("bisects geometrically between the highest passing and the lowest failing rate", () => {
    expect(nextSearchRate(800, 3200)).toBe(1600);
    expect(nextSearchRate(1000, 4000)).toBe(2000);
  });

  it("stops once the two are within 10%", () => {
    expect(nextSearchRate(1000, 1100)).toBeUndefined();
    expect(nextSearchRate(1000, 1050)).toBeUndefined();
  });
});

describe("halfOfSustainedRate", () => {
  it("is half of the highest sustained rate, in whole jobs per second", () => {
    expect(halfOfSustainedRate(3200)).toBe(1600);
    expect(halfOfSustainedRate(1131)).toBe(566);
    expect(halfOfSustainedRate(1)).toBe(1);
  });

  it("is not run when no rate was sustained", () => {
    expect(halfOfSustainedRate(undefined)).toBeUndefined();
    expect(halfOfSustainedRate(0)).toBeUndefined();
  });
});

describe("delayedShortfallNote", () => {
  it("names the started count and the bound when some delayed jobs did not start", () => {
    expect(delayedShortfallNote(0, 50, 3000)).toBe("delayed: only 0 of 50 jobs started within 3000 ms of being enqueued (delay + grace); the rest were not waited for, so the lateness figures leave them out");
  });

  it("says nothing when every job started", () => {
    expect(delayedShortfallNote(50, 50, 3000)).toBeUndefined();
  });
});
