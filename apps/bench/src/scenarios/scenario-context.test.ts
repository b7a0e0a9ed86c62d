import { describe, expect, it } from "vitest";
import { loadProfiles } from "../bench-plan.js";
import type { BenchSubject } from "../subjects/bench-subject.js";
import { repeatRates, shrunkJobs, uniqueQueueName, withCallers, type ScenarioContext, type RunOutcome } from "./scenario-context.js";

function fakeContext(warmup: number, repetitions: number) {
  const notes: string[] = [];
  const context: ScenarioContext = {
    subject: {} as BenchSubject,
    plan: { ...loadProfiles().short!, warmup, repetitions },
    progress() {},
    note: (text) => notes.push(text),
    queueName: uniqueQueueName,
  };
  return { context, notes };
}

describe("repeatRates", () => {
  it("keeps only the measured runs' rates, not the warm-up's", async () => {
    const { context } = fakeContext(1, 3);
    const rates = [999, 10, 30, 20];
    const result = await repeatRates(context, { label: "x", boundMs: 100, jobs: 50 }, async (repetition, jobs): Promise<RunOutcome> => ({ rate: rates[repetition]!, timedOut: false, done: jobs }));
    expect(result.samples).toEqual([10, 30, 20]);
    expect(result.summary.median).toBe(20);
    expect(result.timedOut).toBe(false);
  });

  it("shrinks the job count after a warm-up that hit the bound, and says so", async () => {
    const { context, notes } = fakeContext(1, 2);
    const seen: number[] = [];
    const result = await repeatRates(context, { label: "drain c=1", boundMs: 4000, jobs: 1000 }, async (repetition, jobs) => {
      seen.push(jobs);
      return repetition === 0 ? { rate: 100, timedOut: true, done: 400 } : { rate: 120, timedOut: false, done: jobs };
    });
    expect(seen).toEqual([1000, shrunkJobs(400), shrunkJobs(400)]);
    expect(result.samples).toEqual([120, 120]);
    expect(result.timedOut).toBe(false);
    expect(notes[0]).toContain("finished 400 of 1000 jobs within the 4000 ms bound; measured runs use 200 jobs");
  });

  it("marks the result unwarmed when the warm-up hit its bound, and not when it finished", async () => {
    const { context } = fakeContext(1, 2);
    const cold = await repeatRates(context, { label: "drain c=1", boundMs: 4000, jobs: 1000 }, async (repetition, jobs) =>
      repetition === 0 ? { rate: 100, timedOut: true, done: 400 } : { rate: 120, timedOut: false, done: jobs },
    );
    expect(cold.unwarmed).toBe(true);
    const warm = await repeatRates(context, { label: "drain c=1", boundMs: 4000, jobs: 1000 }, async (_repetition, jobs) => ({ rate: 120, timedOut: false, done: jobs }));
    expect(warm.unwarmed).toBeUndefined();
  });

  it("stops at a measured run that hit the bound, keeping its partial rate flagged", async () => {
    const { context, notes } = fakeContext(0, 5);
    let runs = 0;
    const result = await repeatRates(context, { label: "x", boundMs: 100, jobs: 10 }, async () => {
      runs += 1;
      return { rate: 5, timedOut: runs === 2, done: 3 };
    });
    expect(runs).toBe(2);
    expect(result.samples).toEqual([5, 5]);
    expect(result.timedOut).toBe(true);
    expect(notes).toHaveLength(1);
  });
});

describe("withCallers", () => {
  it("runs every index once with at most `callers` in flight", async () => {
    const seen: number[] = [];
    let inFlight = 0;
    let peak = 0;
    await withCallers(25, 4, async (index) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      seen.push(index);
      inFlight -= 1;
    });
    expect(seen.sort((left, right) => left - right)).toEqual(Array.from({ length: 25 }, (_, index) => index));
    expect(peak).toBe(4);
  });
});

describe("uniqueQueueName", () => {
  it("gives distinct names that every backend accepts", () => {
    const names = new Set(Array.from({ length: 100 }, () => uniqueQueueName("drain c=1")));
    expect(names.size).toBe(100);
    for (const name of names) expect(name).toMatch(/^bench-[a-zA-Z0-9-]+$/);
  });
});
