import { describe, expect, it } from "vitest";
import { scaleOutCpuFigures, scaleOutFigure } from "./scale-out.js";

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

describe("scaleOutCpuFigures", () => {
  it("gives CPU per job done and the cores kept busy over the window, for what was counted only", () => {
    expect(scaleOutCpuFigures({ serverUs: 400_000, workersUs: 1_500_000, windowMs: 1000, done: 20_000 })).toEqual({
      serverCpuUsPerJob: 20,
      serverCores: 0.4,
      workersCpuUsPerJob: 75,
      workersCores: 1.5,
    });
    expect(scaleOutCpuFigures({ workersUs: 1000, windowMs: 10, done: 10 })).toEqual({ workersCpuUsPerJob: 100, workersCores: 0.1 });
  });

  it("gives nothing rather than Infinity or NaN when no job ran or no time passed", () => {
    expect(scaleOutCpuFigures({ serverUs: 5, workersUs: 5, windowMs: 1000, done: 0 })).toEqual({});
    expect(scaleOutCpuFigures({ serverUs: 5, workersUs: 5, windowMs: 0, done: 10 })).toEqual({});
  });
});
