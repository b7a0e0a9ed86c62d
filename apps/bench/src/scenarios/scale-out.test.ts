import { describe, expect, it } from "vitest";
import { scaleOutFigure } from "./scale-out.js";

describe("scaleOutFigure", () => {
  it("times from the first worker ready to the last first start in any worker, over every worker's jobs", () => {
    const figure = scaleOutFigure([
      { consumingAt: 1000, done: 600, lastDoneAt: 1900 },
      { consumingAt: 1100, done: 400, lastDoneAt: 2000 },
    ]);
    expect(figure).toEqual({ done: 1000, elapsedMs: 1000, rate: 1000 });
  });

  it("ends a bound-limited run at the moment it was stopped", () => {
    expect(scaleOutFigure([{ consumingAt: 0, done: 50, lastDoneAt: 400 }], 500).rate).toBe(100);
  });

  it("gives zero, not NaN, when nothing ran", () => {
    expect(scaleOutFigure([]).rate).toBe(0);
    expect(scaleOutFigure([{ consumingAt: 5, done: 0, lastDoneAt: 0 }]).rate).toBe(0);
  });
});
