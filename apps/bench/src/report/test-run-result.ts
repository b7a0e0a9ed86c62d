import { loadProfiles } from "../bench-plan.js";
import { latencyPercentiles, summarize } from "../statistics.js";
import type { RateResult, RunResult, SubjectResult, SubjectSpec } from "./result-types.js";

export function rate(samples: number[], timedOut = false): RateResult {
  return { summary: summarize(samples), samples, timedOut };
}

export function spec(id: string, kind: SubjectSpec["kind"]): SubjectSpec {
  const [backend, name] = id.split("/") as [SubjectSpec["backend"], string];
  return { id, backend, kind, library: name, description: `${name} on ${backend}`, connection: `${backend}://test`, env: {} };
}

/** A subject with every figure derived from `scale`, so tests can check ratios. */
export function subject(id: string, kind: SubjectSpec["kind"], scale: number, overrides: Partial<SubjectResult> = {}): SubjectResult {
  return {
    spec: spec(id, kind),
    status: "ok",
    scenarios: ["enqueue", "drain", "latency"],
    enqueueSingle: rate([scale, scale * 2, scale * 3]),
    enqueueBulk: rate([scale * 10]),
    drain: [
      { concurrency: 1, rate: rate([scale], true) },
      { concurrency: 10, rate: rate([scale * 4, scale * 4, scale * 4]) },
    ],
    latency: { offeredRate: 200, concurrency: 10, offered: 100, received: 100, latency: latencyPercentiles([scale / 100, scale / 50]), sustained: true },
    rateSearch: { p99BoundMs: 100, highestSustained: scale, steps: [{ offeredRate: scale, concurrency: 10, offered: 10, received: 10, latency: latencyPercentiles([1, 2]), sustained: true }] },
    memory: { peakRssBytes: scale * 1024 * 1024, peakHeapBytes: scale * 1024, drainPeakRssBytes: scale * 1024 * 1024, drainPeakHeapBytes: scale * 1024 },
    notes: [],
    durationMs: 1000,
    ...overrides,
  };
}

export function runResult(subjects: SubjectResult[], overrides: Partial<RunResult> = {}): RunResult {
  const short = loadProfiles().short!;
  return {
    formatVersion: 1,
    startedAt: "2026-01-02T03:04:05.678Z",
    durationMs: 60_000,
    command: "pnpm bench",
    machine: { cpus: 2, cpuModel: "Test CPU", totalMemoryBytes: 4 * 1024 ** 3, platform: "linux x64", node: "v20.0.0" },
    versions: { "@hopper/core": "0.1.0", bullmq: "6.7.0" },
    plan: { ...short, drain: { ...short.drain, concurrency: [1, 10] } },
    servers: [{ backend: "redis", how: "local service (started)" }],
    subjects,
    skipped: [],
    ...overrides,
  };
}
