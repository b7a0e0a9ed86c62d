import { describe, expect, it } from "vitest";
import { latencyPercentiles } from "../statistics.js";
import { searchStepCell } from "./search-step-cell.js";

const step = { offeredRate: 8000, concurrency: 50, offered: 40_000, received: 40_000, latency: latencyPercentiles([1, 2, 309]), sustained: false };
const end = { boundMs: 20_000, elapsedMs: 12_000, enqueuesPending: 0, enqueuesPendingAtEnd: 0, startedLate: 0, leftBehind: 0, consumerStopped: true };

describe("searchStepCell", () => {
  it("is the rate and p99 for a step whose jobs all started", () => {
    expect(searchStepCell({ ...step, end })).toBe(`8000: ${step.latency.p99.toFixed(0)} ms`);
    expect(searchStepCell(step)).toBe(`8000: ${step.latency.p99.toFixed(0)} ms`);
  });

  it("adds how many started, what was left behind and a consumer that did not stop", () => {
    expect(searchStepCell({ ...step, received: 17_498, end: { ...end, leftBehind: 18_502, consumerStopped: false } })).toBe(
      `8000: ${step.latency.p99.toFixed(0)} ms (17498/40000 started, 18,502 left behind, consumer not stopped within 20 s, search ended)`,
    );
  });
});
