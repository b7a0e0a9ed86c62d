import { describe, expect, it } from "vitest";
import { loadProfiles, parseProfile, scenarioNames, subjectBudgetMs } from "./bench-plan.js";

describe("benchmarks/scenarios.json", () => {
  it("defines a short and a full profile covering every scenario", () => {
    const profiles = loadProfiles();
    expect(Object.keys(profiles)).toEqual(expect.arrayContaining(["short", "full"]));
    for (const profile of Object.values(profiles)) expect(Object.keys(profile.subjects).sort()).toEqual([...scenarioNames].sort());
  });
});

describe("parseProfile", () => {
  const valid = loadProfiles().short!;

  it("names the field that is wrong", () => {
    expect(() => parseProfile("p", { ...valid, drain: { ...valid.drain, jobs: -1 } })).toThrow("p.drain.jobs must be a positive integer, got -1");
    expect(() => parseProfile("p", { ...valid, payload: { ...valid.payload, sizes: [] } })).toThrow("p.payload.sizes must be a non-empty list");
    expect(() => parseProfile("p", { ...valid, subjects: { ...valid.subjects, drain: ["bullmq"] } })).toThrow("p.subjects.drain must list subject kinds");
    expect(() => parseProfile("p", { ...valid, memory: undefined })).toThrow("p.memory must be an object");
    expect(() => parseProfile("p", { ...valid, latency: { ...valid.latency, worker: "thread" } })).toThrow('p.latency.worker must be one of same, process, got "thread"');
  });

  it("reads the latency worker layout, same when the profile does not give one", () => {
    const { worker: _absent, ...latency } = valid.latency;
    expect(parseProfile("p", { ...valid, latency }).latency.worker).toBe("same");
    expect(parseProfile("p", { ...valid, latency: { ...latency, worker: "process" } }).latency.worker).toBe("process");
  });
});

describe("subjectBudgetMs", () => {
  it("grows with the plan's bounds and repetitions", () => {
    const short = loadProfiles().short!;
    const longer = { ...short, repetitions: short.repetitions + 2, drain: { ...short.drain, timeoutMs: short.drain.timeoutMs * 2 } };
    expect(subjectBudgetMs(short)).toBeGreaterThan(60_000 + 2 * short.drain.timeoutMs);
    expect(subjectBudgetMs(longer)).toBeGreaterThan(subjectBudgetMs(short));
  });
});
