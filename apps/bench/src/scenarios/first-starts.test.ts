import { describe, expect, it } from "vitest";
import { FirstStarts, repeatedStartsNote } from "./first-starts.js";

describe("FirstStarts", () => {
  it("counts each numbered job once and its later starts as repeats", () => {
    const starts = new FirstStarts(3);
    expect([starts.first(0), starts.first(1), starts.first(0), starts.first(0), starts.first(2)]).toEqual([true, true, false, false, true]);
    expect(starts.repeats).toBe(2);
  });

  it("takes a job without a number, or with one outside the step, as a first start", () => {
    const starts = new FirstStarts(1);
    expect([starts.first(undefined), starts.first(undefined), starts.first(5), starts.first(-1)]).toEqual([true, true, true, true]);
    expect(starts.repeats).toBe(0);
  });
});

describe("repeatedStartsNote", () => {
  it("names the repeats under the run's label, and is absent when there were none", () => {
    expect(repeatedStartsNote("drain c=10", 1)).toBe("drain c=10: 1 start was of a job that had started before (counted once)");
    expect(repeatedStartsNote("delayed", 7)).toBe("delayed: 7 starts were of a job that had started before (counted once)");
    expect(repeatedStartsNote("delayed", 0)).toBeUndefined();
  });
});
