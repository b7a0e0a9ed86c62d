import { describe, expect, it } from "vitest";
import { busiestSpan } from "./rate-windows.js";

describe("busiestSpan", () => {
  it("counts a span's starts exactly: one more start inside the span is seen, one at its end is not", () => {
    const spaced = Array.from({ length: 400 }, (_, index) => 1_733_000_000_000 + index * 5);
    expect(busiestSpan(spaced, 1000)).toBe(200);
    // A 201st start 0.001 ms before the span ends is over the bound.
    expect(busiestSpan([...spaced.slice(0, 200), spaced[0]! + 999.999], 1000)).toBe(201);
    expect(busiestSpan([...spaced.slice(0, 200), spaced[0]! + 1000], 1000)).toBe(200);
    expect(busiestSpan([], 1000)).toBe(0);
  });
});
