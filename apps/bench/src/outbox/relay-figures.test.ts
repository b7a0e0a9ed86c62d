import { describe, expect, it } from "vitest";
import { medianFigures, renderRelayTable, roundFigures, type RelayRoundSamples } from "./relay-figures.js";

function samples(overrides: { directMs?: number; backlogMs?: number; liveFirstCommit?: number; liveLastArrival?: number; latencies?: number[] } = {}): RelayRoundSamples {
  return {
    jobs: 1000,
    direct: { elapsedMs: overrides.directMs ?? 100, cpuUs: 20_000 },
    backlog: { elapsedMs: overrides.backlogMs ?? 125, cpuUs: 15_000, batches: 2, sends: 4, queries: { SELECT: 4, DELETE: 2, overlapped: 4 } },
    live: {
      firstBeginMs: 0,
      firstCommitMs: overrides.liveFirstCommit ?? 10,
      lastCommitMs: 400,
      lastArrivalMs: overrides.liveLastArrival ?? 510,
      sends: 50,
      latenciesMs: overrides.latencies ?? Array.from({ length: 100 }, (_, index) => index + 1),
    },
  };
}

describe("roundFigures", () => {
  it("rates each path over its own interval and divides relay by direct of the same round", () => {
    const figures = roundFigures(samples());
    expect(figures.directRate).toBe(10_000);
    expect(figures.backlogRate).toBe(8000);
    expect(figures.backlogRatio).toBeCloseTo(0.8);
    // 1000 jobs from the first commit (10) to the last arrival (510).
    expect(figures.liveRate).toBe(2000);
    expect(figures.liveRatio).toBeCloseTo(0.2);
    expect(figures.stagingRate).toBe(2500);
  });

  it("counts CPU per job, PostgreSQL queries and target sends per relay batch, jobs per live send", () => {
    const figures = roundFigures(samples());
    expect(figures.directCpuUsPerJob).toBe(20);
    expect(figures.backlogCpuUsPerJob).toBe(15);
    expect(figures.backlogSendsPerBatch).toBe(2);
    expect(figures.backlogQueriesPerBatch).toBe(3);
    // The overlapped count is a share of the kinds, not a kind of its own.
    expect(figures.backlogSerialQueriesPerBatch).toBe(1);
    expect(figures.liveJobsPerSend).toBe(20);
  });

  it("takes the latency percentiles of every job", () => {
    const { latency } = roundFigures(samples());
    expect(latency.count).toBe(100);
    expect(latency.p50).toBeCloseTo(50.5);
    expect(latency.p99).toBeCloseTo(99.01);
    expect(latency.max).toBe(100);
  });

  it("gives NaN, not Infinity, for an interval of zero", () => {
    const figures = roundFigures(samples({ directMs: 0 }));
    expect(figures.directRate).toBeNaN();
    expect(figures.backlogRatio).toBeNaN();
  });
});

describe("medianFigures", () => {
  it("quotes the median of each round's own ratio, not a ratio of medians", () => {
    // Ratios 0.5, 1.0 and 2.0; the median rates would give 8000 / 10,000 = 0.8.
    const rounds = [samples({ directMs: 100, backlogMs: 200 }), samples({ directMs: 50, backlogMs: 50 }), samples({ directMs: 200, backlogMs: 100 })].map(roundFigures);
    const median = medianFigures(rounds);
    expect(median.backlogRatio).toBe(1);
    expect(median.directRate).toBe(10_000);
    expect(median.backlogRate).toBe(10_000);
  });

  it("takes the median of the rounds' percentiles, the largest max and every job's count", () => {
    const rounds = [samples({ latencies: [1, 2, 3] }), samples({ latencies: [10, 20, 30] }), samples({ latencies: [100, 200, 300] })].map(roundFigures);
    const { latency } = medianFigures(rounds);
    expect(latency.p50).toBe(20);
    expect(latency.max).toBe(300);
    expect(latency.count).toBe(9);
  });

  it("refuses no rounds", () => {
    expect(() => medianFigures([])).toThrow(RangeError);
  });
});

describe("renderRelayTable", () => {
  it("writes a row per round and a bold median row per target", () => {
    const rounds = [samples(), samples({ backlogMs: 100 })].map(roundFigures);
    const table = renderRelayTable([{ target: "redis", rounds, backlogQueries: [], median: medianFigures(rounds) }]);
    const lines = table.split("\n");
    expect(lines).toHaveLength(5);
    expect(lines[2]).toContain("| redis | 1 | 10,000 | 8,000 | 0.80× |");
    expect(lines[3]).toContain("| redis | 2 | 10,000 | 10,000 | 1.00× |");
    expect(lines[4]).toContain("**median**");
    expect(lines[4]).toContain("**0.90×**");
  });
});
