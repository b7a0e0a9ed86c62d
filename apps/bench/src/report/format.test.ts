import { describe, expect, it } from "vitest";
import { formatBytes, formatMs, formatRate, formatRatio, formatSize } from "./format.js";
import { rate } from "./test-run-result.js";

describe("format", () => {
  it("prints ratios with two decimals, and small ones with two significant digits", () => {
    expect(formatRatio(1.234)).toBe("1.23×");
    expect(formatRatio(0.0025)).toBe("0.0025×");
    expect(formatRatio(Number.NaN)).toBe("–");
  });

  it("prints rates as median (min–max) with noise, bound and unwarmed marks", () => {
    expect(formatRate(rate([100, 110, 120]))).toBe("110 (100–120)");
    expect(formatRate(rate([10, 100, 200]))).toBe("100 (10–200) †");
    expect(formatRate(rate([5], true))).toBe("5.0 ‡");
    expect(formatRate({ ...rate([5]), unwarmed: true })).toBe("5.0 §");
    expect(formatRate(undefined)).toBe("–");
  });

  it("prints bytes, milliseconds and sizes in readable units", () => {
    expect(formatBytes(1536)).toBe("2 KiB");
    expect(formatBytes(-3 * 1024 * 1024)).toBe("−3.0 MiB");
    expect(formatMs(1234)).toBe("1,234 ms");
    expect(formatMs(2.345)).toBe("2.3 ms");
    expect(formatSize(10240)).toBe("10 KB");
    expect(formatSize(100)).toBe("100 B");
  });
});
