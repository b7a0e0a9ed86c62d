import { describe, expect, it } from "vitest";
import { addCounts, bucketFigures, busiestWindow, byKey, documentedBound, expectedPerBucket, parseRateSpec, perJob, windowCounts, windowStats } from "./rate-limit-figures.js";

/** A saturated GCRA bucket's slot starts: `burst` at `from`, then one every `intervalMs`. */
function gcraSlots(from: number, intervalMs: number, burst: number, count: number): number[] {
  return Array.from({ length: count }, (_, index) => from + Math.max(0, index - (burst - 1)) * intervalMs);
}

describe("parseRateSpec", () => {
  it("reads <limit>/<period> in ms, s, m or h", () => {
    expect(parseRateSpec("200/1s")).toEqual({ limit: 200, perMs: 1000, per: "1s" });
    expect(parseRateSpec("50/500ms")).toEqual({ limit: 50, perMs: 500, per: "500ms" });
    expect(parseRateSpec(" 6000 / 1m ")).toEqual({ limit: 6000, perMs: 60_000, per: "1m" });
  });

  it("refuses anything else, naming the flag", () => {
    for (const text of ["200", "200/s", "0/1s", "-1/1s", "200/1d", "1.5/1s", "200/0s"]) expect(() => parseRateSpec(text), text).toThrow(/--rate-limit/);
  });
});

describe("the documented bound", () => {
  it("is ⌈span ÷ interval⌉ + burst − 1", () => {
    expect(documentedBound(parseRateSpec("200/1s"), 5, 1000)).toBe(204);
    expect(documentedBound(parseRateSpec("200/1s"), 1, 1000)).toBe(200);
    // 3 per second: slots 333.3 ms apart; a 1 s span holds 3 of them, plus the burst.
    expect(documentedBound(parseRateSpec("3/1s"), 2, 1000)).toBe(4);
    expect(documentedBound(parseRateSpec("1/1m"), 1, 1000)).toBe(1);
    expect(expectedPerBucket(parseRateSpec("200/1s"), 5, 30_000)).toBe(6004);
  });

  it("is exactly what a saturated bucket fills, and never less than the busiest span of one", () => {
    const slots = gcraSlots(1_000, 5, 5, 3000);
    expect(busiestWindow(slots, 1000)).toBe(documentedBound(parseRateSpec("200/1s"), 5, 1000));
    expect(bucketFigures(slots, 1000, 10_000).granted).toBe(expectedPerBucket(parseRateSpec("200/1s"), 5, 10_000));
  });
});

describe("windowCounts", () => {
  it("counts half-open windows from the start: a time on an edge belongs to the later window", () => {
    expect(windowCounts([0, 999.999, 1000, 1500, 2999, 3000, -1], 0, 1000, 3)).toEqual([2, 2, 1]);
  });

  it("does not let a float hair move a slot across an edge (whole microseconds)", () => {
    // 1000.3 − (0.1 + 0.2) is 999.9999999999999 in floats: one whole window, so the second.
    expect(windowCounts([1000.3], 0.1 + 0.2, 1000, 2)).toEqual([0, 1]);
  });
});

describe("busiestWindow", () => {
  it("finds the busiest span wherever it starts, not only on window edges", () => {
    const times = [0, 900, 950, 1000, 1050, 2500];
    expect(windowCounts(times, 0, 1000, 3)).toEqual([3, 2, 1]);
    // [900, 1900) holds 900, 950, 1000 and 1050.
    expect(busiestWindow(times, 1000)).toBe(4);
  });

  it("is 0 for no times", () => {
    expect(busiestWindow([], 1000)).toBe(0);
  });
});

describe("bucketFigures and windowStats", () => {
  it("counts a bucket from its own first slot and leaves a trailing part-window out of the windows only", () => {
    const figures = bucketFigures([5000, 5100, 5999, 6000, 7500, 7600], 1000, 2500);
    // The span is [5000, 7500): 7500 is outside it.
    expect(figures.granted).toBe(4);
    expect(figures.windows).toEqual([3, 1]);
  });

  it("gives max, median and min over every bucket's windows, and shows a starving bucket", () => {
    const fed = bucketFigures(gcraSlots(0, 10, 1, 300), 1000, 3000);
    const starved = bucketFigures([100, 2500], 1000, 3000);
    expect(fed.windows).toEqual([100, 100, 100]);
    expect(starved.windows).toEqual([1, 0, 1]);
    expect(windowStats([fed, starved])).toEqual({ max: 100, min: 0, p50: 50.5, busiestSliding: 100 });
  });

  it("is all zeros when nothing was granted", () => {
    expect(windowStats([bucketFigures([], 1000, 3000)])).toEqual({ max: 0, min: 0, p50: 0, busiestSliding: 0 });
  });
});

describe("counts", () => {
  it("groups times by key", () => {
    expect(byKey([{ key: "a", at: 1 }, { key: "b", at: 2 }, { key: "a", at: 3 }])).toEqual(new Map([["a", [1, 3]], ["b", [2]]]));
  });

  it("adds workers' counts by name and divides them per job", () => {
    const total = addCounts([{ takeRateSlot: 3, advance: 1 }, { takeRateSlot: 5 }]);
    expect(total).toEqual({ takeRateSlot: 8, advance: 1 });
    expect(perJob(total, 4)).toEqual({ takeRateSlot: 2, advance: 0.25 });
    expect(perJob(total, 0)).toEqual({});
  });
});
