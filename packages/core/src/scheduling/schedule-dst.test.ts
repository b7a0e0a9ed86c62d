import { describe, expect, it } from "vitest";
import { createMemoryCoordinationStore } from "../coordination/memory-coordination-store.js";
import { createConsoleLogger } from "../logger.js";
import { Job } from "../job.js";
import { defineRecurringJob, nextTick, ticksBetween } from "./recurring-job.js";
import { Scheduler } from "./scheduler.js";

class Nightly extends Job<Record<string, never>> {
  async perform() {}
}

const minute = 60_000;

/** Every tick a scheduler enqueues while its passes walk from `fromMs` to `toMs` every 5 minutes (a store on the same clock). */
async function enqueuedBetween(cron: string, timezone: string, fromMs: number, toMs: number): Promise<string[]> {
  let clock = fromMs;
  const job = defineRecurringJob("nightly", cron, Nightly, {}, { timezone, grace: "10m" });
  const enqueued: string[] = [];
  const scheduler = new Scheduler(
    {
      schedules: () => [job],
      coordination: createMemoryCoordinationStore({ now: () => clock }),
      logger: createConsoleLogger("silent"),
      enqueueTick: async (_job, tick) => (enqueued.push(new Date(tick).toISOString()), `id-${tick}`),
    },
    { handleSignals: false },
  );
  for (; clock <= toMs; clock += 5 * minute) await scheduler.runDue(clock);
  return enqueued;
}

// America/New_York: 2026-03-08 02:00 EST jumps to 03:00 EDT; 2026-11-01 02:00 EDT falls back to 01:00 EST.
describe("schedules across a DST change (a local time skipped or repeated)", () => {
  it("runs a daily job at a local time inside the repeated hour once, at its first occurrence", async () => {
    const ticks = await enqueuedBetween("30 1 * * *", "America/New_York", Date.UTC(2026, 9, 31, 12), Date.UTC(2026, 10, 2, 12));
    // 01:30 EDT on Nov 1 (05:30Z), not again at 01:30 EST (06:30Z); then 01:30 EST on Nov 2.
    expect(ticks).toEqual(["2026-11-01T05:30:00.000Z", "2026-11-02T06:30:00.000Z"]);
  });

  it("runs a daily job at a local time inside the skipped hour once that day, at the jump", async () => {
    const ticks = await enqueuedBetween("30 2 * * *", "America/New_York", Date.UTC(2026, 2, 7, 12), Date.UTC(2026, 2, 9, 12));
    // 02:30 does not exist on Mar 8: it runs as the clock jumps, at 03:00 EDT (07:00Z), as cron runs it; 02:30 EDT on Mar 9.
    expect(ticks).toEqual(["2026-03-08T07:00:00.000Z", "2026-03-09T06:30:00.000Z"]);
  });

  it("runs an hourly job every real hour through both changes (the repeated hour included, the skipped one absent)", async () => {
    const fallBack = await enqueuedBetween("0 * * * *", "America/New_York", Date.UTC(2026, 10, 1, 3, 30), Date.UTC(2026, 10, 1, 8, 30));
    expect(fallBack).toEqual(["04:00", "05:00", "06:00", "07:00", "08:00"].map((at) => `2026-11-01T${at}:00.000Z`));
    const springForward = await enqueuedBetween("0 * * * *", "America/New_York", Date.UTC(2026, 2, 8, 5, 30), Date.UTC(2026, 2, 8, 8, 30));
    expect(springForward).toEqual(["06:00", "07:00", "08:00"].map((at) => `2026-03-08T${at}:00.000Z`));
  });

  it("lists a catch-up window's ticks as the forward schedule has them", () => {
    const repeated = defineRecurringJob("nightly", "30 1 * * *", Nightly, {}, { timezone: "America/New_York" });
    expect(ticksBetween(repeated, Date.UTC(2026, 9, 31, 12), Date.UTC(2026, 10, 2, 12), 10)).toEqual([Date.UTC(2026, 10, 1, 5, 30), Date.UTC(2026, 10, 2, 6, 30)]);
    const skipped = defineRecurringJob("nightly", "30 2 * * *", Nightly, {}, { timezone: "Europe/Paris" });
    // Paris jumps from 02:00 CET to 03:00 CEST at 01:00Z.
    expect(ticksBetween(skipped, Date.UTC(2026, 2, 28, 12), Date.UTC(2026, 2, 30, 12), 10)).toEqual([Date.UTC(2026, 2, 29, 1, 0), Date.UTC(2026, 2, 30, 0, 30)]);
    // The `limit` most recent, oldest first, and the next one after them.
    const last = ticksBetween(repeated, Date.UTC(2026, 9, 1), Date.UTC(2026, 10, 3), 2);
    expect(last).toEqual([Date.UTC(2026, 10, 1, 5, 30), Date.UTC(2026, 10, 2, 6, 30)]);
    expect(nextTick(repeated, last[0]!)).toBe(last[1]);
  });

  // Australia/Lord_Howe shifts by 30 minutes: 2026-04-05 02:00 (+11:00) falls back to 01:30 (+10:30) at 15:00Z on
  // Apr 4; 2026-10-04 02:00 (+10:30) jumps to 02:30 (+11:00) at 15:30Z on Oct 3. cron-parser's own walk in that
  // zone found no next tick for hours around the changes.
  it("runs an hourly job by real time in a zone whose DST shift is 30 minutes", async () => {
    const springForward = await enqueuedBetween("0 * * * *", "Australia/Lord_Howe", Date.UTC(2026, 9, 3, 13, 10), Date.UTC(2026, 9, 3, 17, 10));
    // 00:00 and 01:00 at +10:30; 02:00 does not exist; 03:00 and 04:00 at +11:00.
    expect(springForward).toEqual(["13:30", "14:30", "16:00", "17:00"].map((at) => `2026-10-03T${at}:00.000Z`));
    const fallBack = await enqueuedBetween("*/30 * * * *", "Australia/Lord_Howe", Date.UTC(2026, 3, 4, 13, 10), Date.UTC(2026, 3, 4, 17, 10));
    // Every real half hour: 01:30 comes twice (14:30Z at +11:00, 15:00Z at +10:30).
    expect(fallBack).toEqual(["13:30", "14:00", "14:30", "15:00", "15:30", "16:00", "16:30", "17:00"].map((at) => `2026-04-04T${at}:00.000Z`));
  });

  it("answers the next tick and a catch-up window there, every-hour schedules and daily ones alike", () => {
    const quarterly = defineRecurringJob("quarterly", "*/15 * * * *", Nightly, {}, { timezone: "Australia/Lord_Howe" });
    // In the repeated half hour the instants of 01:30 and 01:45 interleave: 14:30Z, 14:45Z (+11:00), 15:00Z, 15:15Z (+10:30).
    expect(nextTick(quarterly, Date.UTC(2026, 3, 4, 14, 40))).toBe(Date.UTC(2026, 3, 4, 14, 45));
    expect(nextTick(quarterly, Date.UTC(2026, 3, 4, 14, 50))).toBe(Date.UTC(2026, 3, 4, 15, 0));
    expect(nextTick(quarterly, Date.UTC(2026, 9, 3, 15, 20))).toBe(Date.UTC(2026, 9, 3, 15, 30));
    expect(ticksBetween(quarterly, Date.UTC(2026, 3, 4, 14, 20), Date.UTC(2026, 3, 4, 15, 20), 10)).toEqual([30, 45, 60, 75].map((minutes) => Date.UTC(2026, 3, 4, 14, minutes)));
    expect(ticksBetween(quarterly, Date.UTC(2026, 3, 4, 14, 20), Date.UTC(2026, 3, 4, 15, 20), 2)).toEqual([60, 75].map((minutes) => Date.UTC(2026, 3, 4, 14, minutes)));
    const daily = defineRecurringJob("daily", "15 2 * * *", Nightly, {}, { timezone: "Australia/Lord_Howe" });
    // 02:15 is in the skipped half hour on Oct 4: it runs at the jump (02:30 +11:00 = 15:30Z), then 02:15 +11:00 on Oct 5.
    expect(nextTick(daily, Date.UTC(2026, 9, 3, 12))).toBe(Date.UTC(2026, 9, 3, 15, 30));
    expect(nextTick(daily, Date.UTC(2026, 9, 3, 15, 30))).toBe(Date.UTC(2026, 9, 4, 15, 15));
  });

  it("lists a window of thousands of every-second and every-minute ticks, one per real second or minute through a fall-back", () => {
    const everySecond = defineRecurringJob("seconds", "* * * * * *", Nightly, {}, { timezone: "Europe/Berlin" });
    // Berlin falls back from 03:00 CEST to 02:00 CET at 01:00Z on 2026-10-25.
    const from = Date.UTC(2026, 9, 25, 0, 30);
    const seconds = ticksBetween(everySecond, from, from + 3_600_000, 10_000);
    expect(seconds).toHaveLength(3600);
    expect(seconds.every((tick, index) => tick === from + (index + 1) * 1000)).toBe(true);
    const everyMinute = defineRecurringJob("minutes", "* * * * *", Nightly, {}, { timezone: "America/New_York" });
    const fallBack = Date.UTC(2026, 10, 1, 4, 0);
    const minutes = ticksBetween(everyMinute, fallBack, fallBack + 3 * 3_600_000, 1000);
    expect(minutes).toHaveLength(180);
    expect(minutes.every((tick, index) => tick === fallBack + (index + 1) * 60_000)).toBe(true);
    expect(ticksBetween(everyMinute, fallBack, fallBack + 3 * 3_600_000, 5)).toEqual(minutes.slice(-5));
    expect(nextTick(everySecond, from + 1500)).toBe(from + 2000);
  });
});

