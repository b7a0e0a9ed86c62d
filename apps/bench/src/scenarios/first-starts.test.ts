import { describe, expect, it } from "vitest";
import { FirstStarts, repeatedStartsNote, startCountNotes } from "./first-starts.js";

describe("FirstStarts", () => {
  it("counts each numbered job once and its later starts as repeats", () => {
    const starts = new FirstStarts(3);
    expect([starts.first(0), starts.first(1), starts.first(0), starts.first(0), starts.first(2)]).toEqual([true, true, false, false, true]);
    expect(starts.repeats).toBe(2);
  });

  it("takes a job without a number, or with one outside the step, as a first start", () => {
    const starts = new FirstStarts(1);
    expect([starts.first(undefined), starts.first(undefined), starts.first(5), starts.first(-1), starts.first(0.5)]).toEqual([true, true, true, true, true]);
    expect(starts.repeats).toBe(0);
  });

  it("counts the starts that had no number of the run, apart from the numbered ones", () => {
    const starts = new FirstStarts(2);
    [undefined, 0, 7, 0, undefined].forEach((seq) => starts.first(seq));
    expect([starts.unnumbered, starts.repeats]).toEqual([3, 1]);
  });
});

describe("repeatedStartsNote", () => {
  it("names the repeats under the run's label, and is absent when there were none", () => {
    expect(repeatedStartsNote("drain c=10", 1)).toBe("drain c=10: 1 start was of a job that had started before (counted once)");
    expect(repeatedStartsNote("delayed", 7)).toBe("delayed: 7 starts were of a job that had started before (counted once)");
    expect(repeatedStartsNote("delayed", 0)).toBeUndefined();
  });
});

describe("startCountNotes", () => {
  it("says how many starts were repeats and how many had no job number, each only when there were some", () => {
    expect(startCountNotes("drain c=10", { repeatedStarts: 2, startsWithoutSeq: 1 })).toEqual([
      "drain c=10: 2 starts were of a job that had started before (counted once)",
      "drain c=10: 1 start had no job number (seq) of the run, so it counted as a first start (a repeat among such starts cannot be told apart)",
    ]);
    expect(startCountNotes("delayed", { repeatedStarts: 0, startsWithoutSeq: 5 })).toEqual([
      "delayed: 5 starts had no job number (seq) of the run, so each counted as a first start (a repeat among such starts cannot be told apart)",
    ]);
    expect(startCountNotes("delayed", { repeatedStarts: 0, startsWithoutSeq: 0 })).toEqual([]);
  });
});
