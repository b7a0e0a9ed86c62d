import { describe, expect, it } from "vitest";
import type { RateLimitPoint } from "../scenarios/rate-limit.js";
import { renderRateLimitMarkdown } from "./rate-limit-report.js";

const point: RateLimitPoint = {
  backend: "redis",
  workers: 4,
  concurrency: 10,
  limit: 200,
  per: "1s",
  burst: 5,
  buckets: 1,
  durationMs: 30_000,
  filled: 9000,
  granted: 6004,
  expected: 6004,
  achievedRate: 200.13,
  slotWindows: { max: 204, min: 200, p50: 200, busiestSliding: 204 },
  startWindows: { max: 230, min: 170, p50: 200, busiestSliding: 240 },
  bound: 204,
  bucketGranted: { min: 6004, max: 6004 },
  firstStartMs: 120,
  lastWorkerFirstStartMs: 300,
  perWorker: [1500, 1500, 1500, 1504],
  jobsRun: 6004,
  storeCallsPerJob: { takeRateSlot: 2.3, "takeRateSlot:refused": 1.3, advance: 0.01 },
  storeCallsPerJobTotal: 2.31,
  redisCommandsPerJob: { evalsha: 5 },
  redisCommandsPerJobTotal: 5,
  cpuUsPerJob: 1400,
  leftover: 2996,
};

const cells = (line: string) => line.split(" | ").length;

describe("renderRateLimitMarkdown", () => {
  it("prints one row per run with as many cells as the header, the figures and the bound", () => {
    const lines = renderRateLimitMarkdown([point], { command: "pnpm --filter @hopper/bench rate-limit", startedAt: "2026-12-03T12:00:00Z", load: "10" }).split("\n");
    const header = lines.find((line) => line.startsWith("| backend"))!;
    const row = lines.find((line) => line.startsWith("| redis"))!;
    expect(cells(row)).toBe(cells(header));
    expect(row).toContain("6,004 / 6,004 (100.0%)");
    expect(row).toContain("204 / 200 / 200 | 204 | 204");
    expect(row).toContain("2.31 (takeRateSlot 2.30, takeRateSlot:refused 1.30, advance 0.01)");
    expect(lines.join("\n")).toContain("redis 4: 1500, 1500, 1500, 1504");
  });

  it("prints a failed run's error in its row, escaping pipes", () => {
    const text = renderRateLimitMarkdown([{ ...point, error: "no | server" }], { command: "x", startedAt: "y" });
    expect(text).toContain("failed: no \\| server");
  });
});
