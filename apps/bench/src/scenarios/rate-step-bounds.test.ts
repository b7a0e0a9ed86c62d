import { describe, expect, it } from "vitest";
import { latencyPercentiles } from "../statistics.js";
import { isSustained, jobsLeftBehind, leftConsumerRunning, rateStepBounds, rateStepNote, searchMayContinue, type RateStepCounts } from "./rate-step-bounds.js";

const clean: RateStepCounts = { offered: 40_000, startedInWindow: 40_000, startedLate: 0, enqueueFailures: 0, enqueuesPendingAtWindow: 0, enqueuesPendingAtEnd: 0, consumerStopped: true, repeatedStarts: 0, startsWithoutSeq: 0 };
const bounds = rateStepBounds(5000, 5000);

describe("rateStepBounds", () => {
  it("closes the window one grace period after the planned offering, and ends the step two more later", () => {
    expect(bounds).toEqual({ offerMs: 5000, windowMs: 10_000, cleanupMs: 15_000, stopMs: 20_000 });
    expect(rateStepBounds(1000, 1500).stopMs).toBe(5500);
  });
});

describe("jobsLeftBehind", () => {
  it("counts offered jobs that neither started (in the window or the clean-up) nor failed to enqueue", () => {
    expect(jobsLeftBehind({ ...clean, startedInWindow: 17_498, startedLate: 4000, enqueueFailures: 2 })).toBe(18_500);
    expect(jobsLeftBehind(clean)).toBe(0);
  });

  it("is never negative when a redelivered job starts twice", () => {
    expect(jobsLeftBehind({ ...clean, startedInWindow: 40_001 })).toBe(0);
  });
});

describe("isSustained", () => {
  it("needs every job started in the window, p99 within the bound and the consumer stopped", () => {
    expect(isSustained(clean, 40, 100)).toBe(true);
    expect(isSustained(clean, 101, 100)).toBe(false);
    expect(isSustained({ ...clean, startedInWindow: 39_999, startedLate: 1 }, 40, 100)).toBe(false);
    expect(isSustained({ ...clean, consumerStopped: false }, 40, 100)).toBe(false);
    expect(isSustained({ ...clean, startedInWindow: 0 }, latencyPercentiles([]).p99, 100)).toBe(false);
  });
});

describe("rateStepNote", () => {
  it("says nothing of a step whose jobs all started in time and whose consumer stopped", () => {
    expect(rateStepNote("rate search @250/s", { ...clean, offered: 1250, startedInWindow: 1250 }, bounds)).toBeUndefined();
  });

  it("says how many of the offered jobs started, what the enqueue calls and the clean-up did, and what was left", () => {
    const counts = { ...clean, startedInWindow: 17_498, startedLate: 4000, enqueuesPendingAtWindow: 1200, enqueuesPendingAtEnd: 300 };
    expect(rateStepNote("rate search @8000/s", counts, bounds)).toBe(
      "rate search @8000/s: 17498 of 40000 started within 10 s (5 s offering + 5 s drain allowance); 1200 enqueue calls were still unanswered then; 4000 more started in the 5 s clean-up (in no figure); 18502 were left when the step ended (300 of them in enqueue calls still unanswered), beside the next steps",
    );
  });

  it("says when a short step left nothing for the next, and when its consumer did not stop (the search ends there)", () => {
    expect(rateStepNote("latency @500/s", { ...clean, offered: 5000, startedInWindow: 4990, startedLate: 10 }, bounds)).toBe(
      "latency @500/s: 4990 of 5000 started within 10 s (5 s offering + 5 s drain allowance); 10 more started in the 5 s clean-up (in no figure); none was left for the next step",
    );
    expect(rateStepNote("rate search @5657/s", { ...clean, offered: 28_285, startedInWindow: 28_285, consumerStopped: false }, bounds)).toBe(
      "rate search @5657/s: 28285 of 28285 started within 10 s (5 s offering + 5 s drain allowance); none was left for the next step; its consumer had not stopped 5 s later, so the rate search ends here",
    );
  });

  it("reports jobs started again (redeliveries) even when every job started once in time", () => {
    expect(rateStepNote("rate search @2000/s", { ...clean, offered: 10_000, startedInWindow: 10_000, repeatedStarts: 7 }, bounds)).toBe(
      "rate search @2000/s: 10000 of 10000 started within 10 s (5 s offering + 5 s drain allowance); none was left for the next step; 7 starts were of a job that had started before (counted once)",
    );
  });

  it("reports starts that had no job number even when every job started once in time", () => {
    expect(rateStepNote("rate search @2000/s", { ...clean, offered: 10_000, startedInWindow: 10_000, startsWithoutSeq: 10_000 }, bounds)).toBe(
      "rate search @2000/s: 10000 of 10000 started within 10 s (5 s offering + 5 s drain allowance); none was left for the next step; 10000 starts had no job number (seq) of the run, so each counted as a first start (a repeat among such starts cannot be told apart)",
    );
  });

  it("counts failed enqueue calls apart from jobs left behind", () => {
    expect(rateStepNote("rate search @1000/s", { ...clean, offered: 5000, startedInWindow: 4997, enqueueFailures: 3 }, bounds)).toBe(
      "rate search @1000/s: 4997 of 5000 started within 10 s (5 s offering + 5 s drain allowance); 3 enqueue calls failed; none was left for the next step",
    );
  });
});

describe("searchMayContinue", () => {
  const run = { offeredRate: 8000, concurrency: 50, offered: 40_000, received: 17_498, latency: latencyPercentiles([1, 2]), sustained: false };
  const end = { boundMs: 20_000, elapsedMs: 20_000, enqueuesPending: 0, enqueuesPendingAtEnd: 0, startedLate: 0, leftBehind: 0 };

  it("goes on after a failed step whose consumer stopped, and after a result from before the bound", () => {
    expect(searchMayContinue({ ...run, end: { ...end, consumerStopped: true } })).toBe(true);
    expect(searchMayContinue(run)).toBe(true);
  });

  it("stops after a step whose consumer did not stop", () => {
    expect(searchMayContinue({ ...run, end: { ...end, consumerStopped: false } })).toBe(false);
  });

  it("says a consumer was left running when any run of the scenario, the fixed one included, did not stop", () => {
    const stopped = { ...run, end: { ...end, consumerStopped: true } };
    const running = { ...run, end: { ...end, consumerStopped: false } };
    const search = { p99BoundMs: 5, highestSustained: undefined, steps: [stopped] };
    expect(leftConsumerRunning(stopped, search)).toBe(false);
    expect(leftConsumerRunning(running, search)).toBe(true);
    expect(leftConsumerRunning(stopped, { ...search, steps: [stopped, running] })).toBe(true);
    expect(leftConsumerRunning(stopped, { ...search, atHalf: running })).toBe(true);
  });
});
