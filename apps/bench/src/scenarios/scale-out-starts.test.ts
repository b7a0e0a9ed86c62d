import { describe, expect, it } from "vitest";
import { MergedStarts, WorkerStarts } from "./scale-out-starts.js";

const jobs = 10;

/** Two workers' starts, each in its own tally, merged by the parent as the scale-out scenario does. */
function merge(perWorker: readonly (readonly number[])[]) {
  const merged = new MergedStarts(jobs, perWorker.length);
  perWorker.forEach((seqs, worker) => {
    const tally = new WorkerStarts(jobs);
    seqs.forEach((seq, index) => tally.start(seq, 1000 + index));
    const report = tally.take();
    if (report) merged.add(worker, report);
  });
  return merged;
}

describe("the scale-out merge of the workers' starts", () => {
  it("counts a job delivered to two workers once, so it does not stand in for a job that never started", () => {
    // Job 3 starts in both workers and job 7 in none: as many starts as jobs, one job short.
    const merged = merge([
      [0, 1, 2, 3, 4],
      [3, 5, 6, 8, 9],
    ]);
    expect(merged.done).toBe(jobs - 1);
    expect(merged.repeatedStarts).toBe(1);
  });

  it("counts a job started twice in one worker once", () => {
    const merged = merge([[0, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9], []]);
    expect(merged.done).toBe(jobs);
    expect(merged.repeatedStarts).toBe(1);
  });

  it("credits each first start to one worker, and ends each worker's span at its last first start, not at a later repeat", () => {
    const merged = merge([
      [0, 1, 2, 3, 4],
      [5, 6, 7, 8, 9, 5],
    ]);
    expect(merged.worker(0)).toEqual({ done: 5, lastDoneAt: 1004 });
    expect(merged.worker(1)).toEqual({ done: 5, lastDoneAt: 1004 });
  });

  it("leaves a worker's span alone when its report brought only jobs another worker had started", () => {
    const merged = new MergedStarts(jobs, 2);
    merged.add(0, { seqs: [3], repeats: 0, unnumbered: 0, lastFirstAt: 100 });
    merged.add(1, { seqs: [3], repeats: 0, unnumbered: 0, lastFirstAt: 200 });
    expect(merged.worker(1)).toEqual({ done: 0, lastDoneAt: 0 });
    expect([merged.done, merged.repeatedStarts]).toEqual([1, 1]);
  });

  it("counts a start with no job number as a first start, and how many there were", () => {
    const tally = new WorkerStarts(jobs);
    tally.start(undefined, 5);
    tally.start(0, 6);
    const merged = new MergedStarts(jobs, 1);
    merged.add(0, tally.take()!);
    expect([merged.done, merged.startsWithoutSeq, merged.repeatedStarts]).toEqual([2, 1, 0]);
  });

  it("takes only what is new since a worker's last report", () => {
    const tally = new WorkerStarts(jobs);
    tally.start(0, 1);
    tally.start(0, 2);
    expect(tally.take()).toEqual({ seqs: [0], repeats: 1, unnumbered: 0, lastFirstAt: 1 });
    expect(tally.take()).toBeUndefined();
    tally.start(4, 3);
    expect(tally.take()).toEqual({ seqs: [4], repeats: 0, unnumbered: 0, lastFirstAt: 3 });
  });

  it("gives each first start's time and its job's sentAt when timed (the latency worker), and none untimed", () => {
    const timed = new WorkerStarts(jobs, true);
    timed.start(0, 10, 4);
    timed.start(0, 11, 4);
    timed.start(undefined, 12, 5);
    expect(timed.take()).toEqual({ seqs: [0], repeats: 1, unnumbered: 1, lastFirstAt: 12, times: { startedAt: [10, 12], sentAt: [4, 5] } });
    timed.start(1, 13, 6);
    expect(timed.take()?.times).toEqual({ startedAt: [13], sentAt: [6] });
    const untimed = new WorkerStarts(jobs);
    untimed.start(0, 10, 4);
    expect(untimed.take()).not.toHaveProperty("times");
  });
});
