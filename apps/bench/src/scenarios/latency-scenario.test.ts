import { describe, expect, it } from "vitest";
import { nextSearchRate } from "./latency-scenario.js";

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
