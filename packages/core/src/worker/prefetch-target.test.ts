import { afterEach, describe, expect, it, vi } from "vitest";
import type { BackendCapabilities, ReceivedMessage } from "../backend/backend.js";
import { createConsoleLogger } from "../logger.js";
import { createMemoryBackend } from "../memory/memory-backend.js";
import { PrefetchBuffer } from "./prefetch-buffer.js";
import { PrefetchTarget, prefetchLimit } from "./prefetch-target.js";

const capabilities = createMemoryBackend({ store: "prefetch-target-units" }).capabilities;

function message(body: string, n: number): ReceivedMessage {
  return { id: `m${n}`, body, deliveryAttempt: 1, ack: async () => {}, nack: async () => {}, extendLease: async () => true };
}

describe("prefetchLimit", () => {
  it("takes the option, else the backend's declared figure within 0–10000, else the core's 200; none without lease extension", () => {
    const with_ = (extra: Partial<BackendCapabilities>): BackendCapabilities => ({ ...capabilities, ...extra });
    expect(prefetchLimit(with_({ defaultPrefetch: 1000 }), 5)).toBe(5);
    expect(prefetchLimit(with_({ defaultPrefetch: 1000 }), undefined)).toBe(1000);
    expect(prefetchLimit(with_({}), undefined)).toBe(200);
    expect(prefetchLimit(with_({ defaultPrefetch: Number.NaN }), undefined)).toBe(200);
    expect(prefetchLimit(with_({ defaultPrefetch: -1 }), undefined)).toBe(200);
    expect(prefetchLimit(with_({ defaultPrefetch: 50_000 }), undefined)).toBe(10_000);
    expect(prefetchLimit(with_({ leaseExtension: false, defaultPrefetch: 1000 }), 50)).toBe(0);
  });
});

describe("PrefetchTarget", () => {
  it("holds about a quarter second of work, at most 200 before a run time is known, and half of prefetchBytes in bodies", () => {
    const target = new PrefetchTarget(1000, 10, 64 * 1024 * 1024);
    expect(target.value).toBe(200);
    target.recordRun(0.01, 0);
    expect(target.value).toBe(1000);
    target.recordBodies([message("x".repeat(1024 * 1024), 1), message("x".repeat(1024 * 1024), 2)]);
    expect(target.value).toBe(32);
  });

  it("follows larger bodies at once and smaller ones gradually, so a surprise of large bodies shrinks the next receive", () => {
    const target = new PrefetchTarget(1000, 10, 64 * 1024 * 1024);
    target.recordRun(0.01, 0);
    target.recordBodies([message("x".repeat(100), 1)]);
    expect(target.value).toBe(1000);
    target.recordBodies([message("x".repeat(1024 * 1024), 2)]);
    expect(target.value).toBe(32);
    // Back to small bodies: the size the target counts with falls by a fifth of the gap per receive.
    target.recordBodies([message("x".repeat(100), 3)]);
    expect(target.value).toBe(Math.floor((32 * 1024 * 1024) / (1024 * 1024 + (100 - 1024 * 1024) * 0.2)));
  });

  it("counts the oldest running job's time as the pace only when no job has ended for a while, until one ends", () => {
    const target = new PrefetchTarget(1000, 10);
    // A fresh worker whose first jobs run long: their time so far is the pace (10 slots × 250 ms ÷ 5,000 ms).
    target.noteRunning(5000, 10_000, 100);
    expect(target.value).toBe(0);
    target.recordRun(0.01, 1000);
    // A job ended 50 ms ago: one slow job among fast ones that keep ending changes nothing.
    target.noteRunning(500, 1050, 100);
    expect(target.value).toBe(1000);
    // Nothing ended for 150 ms while the oldest has run 500 ms: that is the pace now.
    target.noteRunning(500, 1150, 100);
    expect(target.value).toBe(5);
    target.recordRun(0.01, 1200);
    expect(target.value).toBe(1000);
  });

  it("keeps, before giving any back, as many jobs as ended in the last quarter second: a pause that stretched one run is no excess", () => {
    const target = new PrefetchTarget(1000, 2);
    target.keepable(0);
    for (let run = 0; run < 2500; run++) target.recordRun(0.1, run * 0.1);
    // The process paused 50 ms inside one job: the moving average reads it as 10 ms a job, the count of jobs ended as a pause.
    target.recordRun(50, 300);
    expect(target.value).toBeLessThan(100);
    expect(target.keepable(300)).toBe(1000);
    // Every job now takes 50 ms on each of the 2 slots: 10 end in a quarter second, and that is what is kept.
    for (let at = 325; at <= 900; at += 25) target.recordRun(50, at);
    target.keepable(600);
    expect(target.keepable(900)).toBeLessThanOrEqual(25);
  });

  it("counts the jobs ended in the last quarter second, not a rate drawn from a moment: a few ending together lift nothing", () => {
    const target = new PrefetchTarget(800, 10);
    // 10 slots of 1,000 ms jobs: one ends every 100 ms, a target of 2.
    for (let at = 0; at <= 4000; at += 100) target.recordRun(1000, at);
    for (const at of [4000.2, 4000.3, 4000.4, 4000.5]) target.recordRun(1000, at);
    expect(target.value).toBe(2);
    // Whoever looks a millisecond later sees the 7 that ended in the quarter second, not 4 a millisecond (1,000).
    expect(target.keepable(4001)).toBe(7);
  });

  it("reads the pace of a queue mixing long jobs among instant ones from the last second's mean, not from the last few runs", () => {
    const target = new PrefetchTarget(1000, 10);
    // Each 1,000 ms the 10 slots end a 1,000 ms job together, then 30 instant ones: a mean run of ~250 ms, 10 ahead.
    for (let second = 0; second < 5; second++) {
      const at = 1000 + second * 1000;
      for (let slot = 0; slot < 10; slot++) target.recordRun(1000, at);
      for (let run = 0; run < 30; run++) target.recordRun(0.01, at + 1 + run * 0.01);
      // The last few runs alone (a moving average per job) read ~1 ms, and the whole limit of 1,000 would be asked for.
      expect(target.value).toBe(Math.floor((10 * 250) / ((10 * 1000 + 30 * 0.01) / 40)));
    }
    // Only instant jobs for over a second: the long ones leave the mean, and the buffer grows to the limit.
    for (let run = 0; run < 2000; run++) target.recordRun(0.01, 6000 + run);
    expect(target.value).toBe(1000);
    // One slow job is the pace at once (the moving average), whatever the second's mean says.
    for (let run = 0; run < 5; run++) target.recordRun(500, 8001 + run);
    expect(target.value).toBeLessThan(20);
  });

  it("counts a run longer than the second's window as the window in that second's mean: one minute-long job among instant ones is not a minute of pace", () => {
    const target = new PrefetchTarget(1000, 10);
    for (let run = 0; run < 4000; run++) target.recordRun(0.01, 1000 + run * 0.25);
    target.recordRun(60_000, 2000);
    // Once the moving average has passed over it (a hundred instant jobs later), the second's 4,101 jobs count the long
    // one as 1,000 ms: a mean of ~0.25 ms, the whole limit (counted whole, 60 s would hold the target near 170).
    for (let run = 0; run < 100; run++) target.recordRun(0.01, 2000.1 + run * 0.01);
    expect(target.value).toBe(1000);
  });

  it("takes no stall from a look that came late (the whole process was paused), but from the next one, late or not", () => {
    const target = new PrefetchTarget(1000, 10);
    target.recordRun(0.01, 1000);
    target.noteRunning(0, 1000, 100);
    // 300 ms since the last look, in a window of 100: the look's own timer was held back, as the jobs were.
    target.noteRunning(500, 1300, 100);
    expect(target.value).toBe(1000);
    // Late again, and still no job ended: a loop the jobs themselves hold up; that is the pace now.
    target.noteRunning(800, 1600, 100);
    expect(target.value).toBe(Math.floor((10 * 250) / 800));
    target.recordRun(0.01, 1700);
    target.noteRunning(0, 1700, 100);
    // On time after a late one passed over: decides at once.
    target.noteRunning(500, 2000, 100);
    target.noteRunning(600, 2100, 100);
    expect(target.value).toBe(Math.floor((10 * 250) / 600));
  });

  it("never raises a fresh worker's target above the core's 200 for a stall (many slots, a short stall)", () => {
    const target = new PrefetchTarget(1000, 200);
    expect(target.value).toBe(200);
    // 200 slots × 250 ms ÷ 130 ms would be 384.
    target.noteRunning(130, 10_000, 125);
    expect(target.value).toBe(200);
    target.noteRunning(1000, 10_000, 125);
    expect(target.value).toBe(50);
  });
});

describe("PrefetchBuffer giving back its excess", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("gives back only what it found beyond the target at two renewals in a row, the last received first", () => {
    vi.useFakeTimers();
    const excesses = [5, 0, 5, 5, 3];
    let sweep = 0;
    const given: string[][] = [];
    const buffer = new PrefetchBuffer({
      leaseMs: 800,
      renewLeases: true,
      logger: createConsoleLogger("silent"),
      onDropped: () => {},
      beyondTarget: () => excesses[sweep++] ?? 0,
      giveBack: (messages) => given.push(messages.map((entry) => entry.id)),
    });
    buffer.add("q", Array.from({ length: 20 }, (_, n) => message("{}", n)), Date.now());
    for (let round = 0; round < 5; round++) vi.advanceTimersByTime(100);
    expect(sweep).toBe(5);
    // Sweeps 1–3 saw 5, 0, 5: never twice in a row. Sweep 4 saw 5 after 5; sweep 5 saw 3 after 5: the lesser, 3.
    expect(given).toEqual([
      ["m15", "m16", "m17", "m18", "m19"],
      ["m12", "m13", "m14"],
    ]);
    expect(buffer.size).toBe(12);
  });
});
