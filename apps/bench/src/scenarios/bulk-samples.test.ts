import { describe, expect, it } from "vitest";
import { BulkSamples } from "./throughput-scenarios.js";

describe("BulkSamples", () => {
  it("uses warm samples only, never mixing in a warm-up's cold one", () => {
    const samples = new BulkSamples();
    samples.add(50, false);
    samples.add(1000, true);
    samples.add(1200, true);
    const result = samples.result();
    expect(result.samples).toEqual([1000, 1200]);
    expect(result.unwarmed).toBeUndefined();
  });

  it("falls back to warm-up samples only when no warm one exists, and marks the figure unwarmed", () => {
    const samples = new BulkSamples();
    samples.add(50, false);
    const result = samples.result();
    expect(result.samples).toEqual([50]);
    expect(result.unwarmed).toBe(true);
  });
});
