import { describe, expect, it } from "vitest";
import { latencyPercentiles, median, percentile, ratio, relativeSpread, summarize } from "./statistics.js";

describe("percentile", () => {
  it("interpolates linearly between closest ranks", () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentile([10, 20, 30, 40, 50], 25)).toBe(20);
    expect(percentile([0, 10], 99)).toBeCloseTo(9.9);
  });

  it("ignores input order and non-finite values", () => {
    expect(percentile([5, Number.NaN, 1, 3], 50)).toBe(3);
    expect(percentile([3, 1, 2], 0)).toBe(1);
    expect(percentile([3, 1, 2], 100)).toBe(3);
  });

  it("is NaN for no values and rejects p outside 0..100", () => {
    expect(percentile([], 50)).toBeNaN();
    expect(() => percentile([1], 101)).toThrow(RangeError);
    expect(() => percentile([1], -1)).toThrow(RangeError);
  });
});

describe("median and summarize", () => {
  it("takes the middle value, or the mean of the middle two", () => {
    expect(median([7, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it("reports the spread: min, max and interquartile range", () => {
    const summary = summarize([9, 1, 5, 3, 7]);
    expect(summary).toEqual({ count: 5, median: 5, min: 1, max: 9, q1: 3, q3: 7 });
    expect(relativeSpread(summary)).toBeCloseTo(8 / 5);
  });

  it("summarizes nothing as NaN, not zero", () => {
    const summary = summarize([]);
    expect(summary.count).toBe(0);
    expect(summary.median).toBeNaN();
    expect(relativeSpread(summary)).toBeNaN();
  });
});

describe("latencyPercentiles", () => {
  it("gives p50, p95, p99 and max of one sample", () => {
    const values = Array.from({ length: 101 }, (_, index) => index);
    expect(latencyPercentiles(values)).toEqual({ count: 101, p50: 50, p95: 95, p99: 99, max: 100 });
  });
});

describe("ratio", () => {
  it("divides, and is NaN when a side is missing or zero", () => {
    expect(ratio(6, 3)).toBe(2);
    expect(ratio(undefined, 3)).toBeNaN();
    expect(ratio(1, 0)).toBeNaN();
    expect(ratio(Number.NaN, 1)).toBeNaN();
  });
});
