import { describe, expect, it } from "vitest";
import { formatRatio } from "./format.js";
import { assertRatioMarked, combinedMarks, rateRatioCell, UnmarkedRatioError } from "./figure-marks.js";
import { rate } from "./test-run-result.js";

const warm = rate([1000, 1000, 1000]);
const unwarmed = { ...rate([50]), unwarmed: true };
const bounded = rate([10], true);

describe("figure marks", () => {
  it("carries every mark of either side into a ratio, once each, in order", () => {
    expect(rateRatioCell(warm, unwarmed, formatRatio)).toBe("20.00× §");
    expect(rateRatioCell(bounded, unwarmed, formatRatio)).toBe("0.20× ‡§");
    expect(rateRatioCell(warm, warm, formatRatio)).toBe("1.00×");
    expect(combinedMarks(unwarmed, unwarmed, bounded)).toEqual(["‡", "§"]);
  });

  it("refuses an unmarked ratio built on a marked figure", () => {
    expect(() => assertRatioMarked("20.00×", warm, unwarmed)).toThrow(UnmarkedRatioError);
    expect(() => assertRatioMarked("20.00× ‡", warm, unwarmed)).toThrow(/marked §/);
    expect(assertRatioMarked("20.00× §", warm, unwarmed)).toBe("20.00× §");
    expect(assertRatioMarked("1.00×", warm, warm)).toBe("1.00×");
  });

  it("prints no ratio when a side is missing", () => {
    expect(rateRatioCell(warm, undefined, formatRatio)).toBe("–");
  });
});
