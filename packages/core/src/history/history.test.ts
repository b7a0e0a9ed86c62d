import { describe, expect, it } from "vitest";
import { createMemoryCoordinationStore } from "../coordination/memory-coordination-store.js";
import { createConsoleLogger } from "../logger.js";
import { HistoryRecorder } from "./history-recorder.js";
import { HistorySampler } from "./history-sampler.js";
import { LATENCY_BINS, latencyBin, latencyPercentile } from "./latency-histogram.js";
import { checkHistoryMinutes, readQueueHistory } from "./queue-history.js";

const histogramOf = (latenciesMs: readonly number[]) => {
  const bins = new Map<number, number>();
  for (const ms of latenciesMs) bins.set(latencyBin(ms), (bins.get(latencyBin(ms)) ?? 0) + 1);
  return bins;
};

describe("the latency histogram", () => {
  it("reads percentiles at most 19% above the true value, never below", () => {
    const latencies = Array.from({ length: 1000 }, (_, index) => index + 1); // 1 … 1000 ms
    const bins = histogramOf(latencies);
    const p50 = latencyPercentile(bins, 0.5)!;
    const p99 = latencyPercentile(bins, 0.99)!;
    expect(p50).toBeGreaterThanOrEqual(500);
    expect(p50).toBeLessThanOrEqual(500 * 1.19);
    expect(p99).toBeGreaterThanOrEqual(990);
    expect(p99).toBeLessThanOrEqual(990 * 1.19);
  });

  it("puts one slow job in the p99 of a hundred, and nothing counted reads as no percentile", () => {
    const bins = histogramOf([...Array.from({ length: 99 }, () => 10), 60_000]);
    expect(latencyPercentile(bins, 0.5)).toBeLessThanOrEqual(12);
    expect(latencyPercentile(bins, 0.99)).toBeLessThanOrEqual(12);
    expect(latencyPercentile(histogramOf([...Array.from({ length: 98 }, () => 10), 60_000, 60_000]), 0.99)).toBeGreaterThanOrEqual(60_000);
    expect(latencyPercentile(new Map(), 0.5)).toBeUndefined();
  });

  it("keeps negative, NaN and huge latencies inside its fixed bins", () => {
    expect(latencyBin(-5)).toBe(0);
    expect(latencyBin(Number.NaN)).toBe(0);
    expect(latencyBin(0.5)).toBe(0);
    expect(latencyBin(1e15)).toBe(LATENCY_BINS - 1);
    expect(latencyBin(1)).toBe(1);
  });
});

describe("the history sampler", () => {
  it("counts per queue and bucket, and hands over only buckets that have ended until told to take all", () => {
    let now = 1_000_000; // a bucket boundary (10 s buckets)
    const sampler = new HistorySampler(10_000, () => now);
    sampler.started("mail", now - 40);
    sampler.completed("mail");
    sampler.completed("mail");
    sampler.failed("mail");
    sampler.dead("mail");
    sampler.completed("reports");
    now += 9_999;
    sampler.completed("mail");
    expect(sampler.take()).toEqual([]);
    now += 1; // the next bucket
    sampler.completed("mail");
    const ended = sampler.take();
    expect(ended.map(({ queue, bucketStartMs, completed, failed, dead }) => ({ queue, bucketStartMs, completed, failed, dead }))).toEqual([
      { queue: "mail", bucketStartMs: 1_000_000, completed: 3, failed: 1, dead: 1 },
      { queue: "reports", bucketStartMs: 1_000_000, completed: 1, failed: 0, dead: 0 },
    ]);
    expect(latencyPercentile(new Map([...ended[0]!.latency.entries()].filter(([, count]) => count > 0)), 0.5)).toBe(Math.round(2 ** (latencyBin(40) / 4)));
    // Taken once: the ended buckets are gone; the one under way comes with `all`.
    expect(sampler.take()).toEqual([]);
    expect(sampler.take(true).map(({ bucketStartMs, completed }) => ({ bucketStartMs, completed }))).toEqual([{ bucketStartMs: 1_010_000, completed: 1 }]);
    expect(sampler.take(true)).toEqual([]);
  });
});

describe("a sampler nobody takes from (its flush hangs)", () => {
  it("keeps ended buckets for the window only", () => {
    let now = 0;
    const sampler = new HistorySampler(10_000, () => now, 60_000);
    for (let bucket = 0; bucket < 100; bucket++, now += 10_000) sampler.completed("mail");
    const kept = sampler.take(true);
    expect(kept.length).toBeLessThanOrEqual(8);
    expect(kept.at(-1)!.bucketStartMs).toBe(990_000);
  });
});

describe("recorded history read back", () => {
  const logger = createConsoleLogger("silent");

  it("adds two workers' buckets up, zero-fills buckets nobody wrote, and takes percentiles over every sample", async () => {
    let now = 6_000_000; // a 10-minute boundary
    const coordination = createMemoryCoordinationStore({ now: () => now });
    const first = new HistoryRecorder({ coordination, logger, clock: () => now });
    const second = new HistoryRecorder({ coordination, logger, clock: () => now });
    for (let index = 0; index < 3; index++) first.sampler.completed("mail");
    first.sampler.started("mail", now - 100);
    second.sampler.completed("mail");
    second.sampler.failed("mail");
    second.sampler.started("mail", now - 5000);
    now += 20_000; // two buckets later
    second.sampler.dead("mail");
    await Promise.all([first.flush(), second.flush(true)]);
    now += 10_000;
    const history = await readQueueHistory(coordination, "mail", 1, now);
    expect(history.buckets).toHaveLength(6);
    expect(history.buckets.at(-1)!.at).toBe(new Date(6_030_000).toISOString());
    const byStart = Object.fromEntries(history.buckets.map((bucket) => [Date.parse(bucket.at), bucket]));
    expect(byStart[6_000_000]).toMatchObject({ completed: 4, failed: 1, dead: 0, started: 2 });
    expect(byStart[6_010_000]).toMatchObject({ completed: 0, failed: 0, dead: 0, started: 0 });
    expect(byStart[6_010_000]!.latencyP50Ms).toBeUndefined();
    expect(byStart[6_020_000]).toMatchObject({ dead: 1 });
    expect(history.total).toMatchObject({ completed: 4, failed: 1, dead: 1, started: 2 });
    expect(history.total.latencyP50Ms).toBeGreaterThanOrEqual(100);
    expect(history.total.latencyP50Ms).toBeLessThanOrEqual(119);
    expect(history.total.latencyP99Ms).toBeGreaterThanOrEqual(5000);
    expect(history.total.latencyP99Ms).toBeLessThanOrEqual(5950);
  });

  it("keeps samples a failing store refused for the next flush, and skips entries it cannot read", async () => {
    let now = 6_000_000;
    const memory = createMemoryCoordinationStore({ now: () => now });
    let down = true;
    const coordination = { ...memory, putEntry: (...args: Parameters<typeof memory.putEntry>) => (down ? Promise.reject(new Error("store down")) : memory.putEntry(...args)) };
    const recorder = new HistoryRecorder({ coordination, logger, clock: () => now });
    recorder.sampler.completed("mail");
    now += 10_000;
    await recorder.flush();
    down = false;
    await recorder.flush();
    await memory.putEntry("hopper:history:mail:10", "junk", "not json", 60_000);
    await memory.putEntry("hopper:history:mail:10", "future", JSON.stringify({ format: 2, bucket: 6_000_000, completed: 50, failed: 0, dead: 0, latency: {} }), 60_000);
    expect((await readQueueHistory(coordination, "mail", 1, now)).total.completed).toBe(1);
  });

  it("forgets buckets once they leave the window", async () => {
    let now = 6_000_000;
    const coordination = createMemoryCoordinationStore({ now: () => now });
    const recorder = new HistoryRecorder({ coordination, logger, clock: () => now });
    recorder.sampler.completed("mail");
    await recorder.flush(true);
    now += 59 * 60_000;
    expect((await readQueueHistory(coordination, "mail", 60, now)).total.completed).toBe(1);
    now += 61 * 60_000;
    expect((await readQueueHistory(coordination, "mail", 60, now)).total.completed).toBe(0);
    expect(await coordination.listEntries("hopper:history:mail:10")).toEqual([]);
  });

  it("refuses a span that is not a whole number of minutes within the window, naming the option", () => {
    expect(checkHistoryMinutes(undefined)).toBe(60);
    for (const bad of [0, 61, 1.5, "5", null]) expect(() => checkHistoryMinutes(bad)).toThrow(/minutes/);
  });
});
