import { describe, expect, it } from "vitest";
import { createMemoryCoordinationStore } from "../coordination/memory-coordination-store.js";
import type { CoordinationStore } from "../coordination/coordination-store.js";
import { createConsoleLogger } from "../logger.js";
import { Job } from "../job.js";
import { defineRecurringJob, nextTick, ticksBetween, type RecurringJobOptions } from "./recurring-job.js";
import { Scheduler } from "./scheduler.js";

class Cleanup extends Job<Record<string, never>> {
  async perform() {}
}

const minute = 60_000;
const start = Date.UTC(2030, 0, 1, 12, 0, 0);

/** Two schedulers sharing one store; enqueues are recorded as tick times. */
function setup(options: RecurringJobOptions = {}, cron = "*/5 * * * *", coordination: CoordinationStore = createMemoryCoordinationStore()) {
  const job = defineRecurringJob("cleanup", cron, Cleanup, {}, options);
  const enqueued: string[] = [];
  const create = () =>
    new Scheduler(
      { schedules: () => [job], coordination, logger: createConsoleLogger("silent"), enqueueTick: async (_job, tick) => (enqueued.push(new Date(tick).toISOString().slice(11, 16)), `id-${tick}`) },
      { handleSignals: false },
    );
  return { enqueued, create, coordination };
}

describe("the scheduler", () => {
  it("enqueues each tick once when two schedulers pass at the same moments", async () => {
    const { enqueued, create } = setup();
    const [first, second] = [create(), create()];
    for (let at = start; at <= start + 20 * minute; at += 30_000) {
      await Promise.all([first.runDue(at + 1), second.runDue(at + 2)]);
    }
    expect(enqueued).toEqual(["12:00", "12:05", "12:10", "12:15", "12:20"]);
  });

  it("after an outage runs the most recent missed tick once and skips older ones (default)", async () => {
    const { enqueued, create } = setup();
    await create().runDue(start + 1);
    // Everything down for an hour; a new process starts.
    await create().runDue(start + 62 * minute);
    expect(enqueued).toEqual(["12:00", "13:00"]);
  });

  it("catches up to `limit` missed ticks, oldest first, or none", async () => {
    const bounded = setup({ catchUp: { limit: 3 } });
    await bounded.create().runDue(start + 1);
    await bounded.create().runDue(start + 62 * minute);
    expect(bounded.enqueued).toEqual(["12:00", "12:50", "12:55", "13:00"]);

    const none = setup({ catchUp: "none" });
    await none.create().runDue(start + 1);
    await none.create().runDue(start + 62 * minute);
    expect(none.enqueued).toEqual(["12:00"]);
  });

  it("takes over a tick whose claimer died before enqueuing, once the claim lease ends", async () => {
    const { enqueued, create, coordination } = setup({ grace: "1m" });
    // A claim taken by a process that then died (never enqueued, never confirmed).
    await coordination.acquire(`schedule:cleanup:${start}`, "dead-process", { limit: 1, ttlMs: 1 });
    await new Promise((resolve) => setTimeout(resolve, 5));
    await create().runDue(start + 1000);
    expect(enqueued).toEqual(["12:00"]);
  });

  it("reads the cron expression in the given time zone", async () => {
    const { enqueued, create } = setup({ timezone: "Europe/Paris" }, "0 13 * * *");
    // 13:00 in Paris is 12:00 UTC in January.
    await create().runDue(start + 1000);
    expect(enqueued).toEqual(["12:00"]);
  });

  it("refuses a bad cron expression, time zone or catch-up policy, naming the field", () => {
    expect(() => defineRecurringJob("x", "not cron", Cleanup, {})).toThrow(/schedule\(x\)\.cron/);
    expect(() => defineRecurringJob("x", "* * * * *", Cleanup, {}, { timezone: "Mars/Olympus" })).toThrow(/schedule\(x\)\.timezone/);
    expect(() => defineRecurringJob("x", "* * * * *", Cleanup, {}, { catchUp: { limit: -1 } })).toThrow(/schedule\(x\)\.catchUp/);
  });

  it("refuses at registration what would fail or mislead only at a tick: a blank cron, a misspelt option, a bad enqueue queue or priority", () => {
    const refusedField = (define: () => unknown) => {
      try {
        define();
      } catch (error) {
        return (error as { field?: string }).field;
      }
      return undefined;
    };
    expect(refusedField(() => defineRecurringJob("x", "", Cleanup, {}))).toBe("schedule(x).cron");
    expect(refusedField(() => defineRecurringJob("x", "   ", Cleanup, {}))).toBe("schedule(x).cron");
    expect(refusedField(() => defineRecurringJob("x", "* * * * *", Cleanup, {}, { timezon: "Europe/Paris" } as never))).toBe("schedule(x).timezon");
    expect(refusedField(() => defineRecurringJob("x", "* * * * *", Cleanup, {}, { enqueue: { queue: "Reports Queue" } }))).toBe("schedule(x).enqueue.queue");
    expect(refusedField(() => defineRecurringJob("x", "* * * * *", Cleanup, {}, { enqueue: { priorty: 5 } } as never))).toBe("schedule(x).enqueue.priorty");
    expect(refusedField(() => defineRecurringJob("x", "* * * * *", Cleanup, {}, { enqueue: { priority: 1.5 } }))).toBe("schedule(x).enqueue.priority");
    expect(refusedField(() => defineRecurringJob("x", "* * * * *", Cleanup, {}, { enqueue: { queue: "reports", priority: 5 }, timezone: "Europe/Paris" }))).toBeUndefined();
  });

  it("refuses at its start a schedule whose args its job's schema rejects, naming the schedule (every tick would drop them)", async () => {
    const job = defineRecurringJob("nightly", "0 3 * * *", Cleanup, { wrong: true });
    const scheduler = new Scheduler(
      {
        schedules: () => [job],
        coordination: createMemoryCoordinationStore(),
        logger: createConsoleLogger("silent"),
        enqueueTick: async () => "id",
        checkArgs: async (scheduled) => {
          if ((scheduled.args as { wrong?: boolean }).wrong) throw new Error("wrong: not allowed");
        },
      },
      { handleSignals: false },
    );
    await expect(scheduler.run()).rejects.toThrow(/schedule\(nightly\)\.args: .*wrong: not allowed/);
  });

  it("refuses scheduler options it cannot have been meant: a zero claim lease, a misspelt key", () => {
    const dependencies = { schedules: () => [], coordination: createMemoryCoordinationStore(), logger: createConsoleLogger("silent"), enqueueTick: async () => "id" };
    expect(() => new Scheduler(dependencies, { claimLease: 0 })).toThrow(/scheduler\.claimLease: must be greater than 0/);
    expect(() => new Scheduler(dependencies, { claimlease: "30s" } as never)).toThrow(/scheduler\.claimlease: "claimlease" is not an option of scheduler\(\)/);
  });

  // 2da8cba: while the store is down each tick's confirmation (its mark) fails and is kept for a retry; a frequent
  // schedule would pile them up without end. Only the newest 1000 are kept: the mark only grows, so the newest one
  // confirmed carries the older ones.
  it("keeps at most 1000 unconfirmed ticks while the store's marks fail, and confirms the newest once it recovers", async () => {
    let clock = start;
    const store = createMemoryCoordinationStore({ now: () => clock });
    let marksDown = true;
    let markWrites = 0;
    const down = new Error("connect ECONNREFUSED 127.0.0.1:6379");
    // The store's clock and claims work; only writing a mark fails (reading one, with no value, still answers).
    const coordination: CoordinationStore = {
      ...store,
      advance: async (key, value) => {
        if (value === undefined) return store.advance(key);
        markWrites += 1;
        if (marksDown) throw down;
        return store.advance(key, value);
      },
    };
    // Every second, with passes ten minutes apart inside a ten-minute grace: 600 new ticks a pass, so a few passes
    // pile up more than 1000 (as a thousand passes of a minutely schedule would, at a small part of the cost).
    const { enqueued, create } = setup({ grace: "10m" }, "* * * * * *", coordination);
    const scheduler = create();
    const ticksPerPass = 600;
    // A pass writes the mark of every tick kept unconfirmed, then of each of its new ticks.
    const keptUnconfirmed = async () => {
      markWrites = 0;
      const before = enqueued.length;
      await scheduler.runDue();
      expect(enqueued.length - before).toBe(ticksPerPass);
      clock += 10 * minute;
      return markWrites - ticksPerPass;
    };
    // The passes see 0, 600, 1000 (of 1200), 1000 (of 1600) kept.
    const kept: number[] = [];
    for (let pass = 0; pass < 4; pass += 1) kept.push(await keptUnconfirmed());
    expect(kept).toEqual([0, 600, 1000, 1000]);
    marksDown = false;
    const lastTick = clock;
    expect(await keptUnconfirmed()).toBe(1000);
    expect(await store.advance("schedule:cleanup:last")).toBe(lastTick);
    // All confirmed: the next pass writes only its new ticks' marks.
    expect(await keptUnconfirmed()).toBe(0);
  });
});

describe("a hashed cron field (H)", () => {
  class Hashed extends Job<Record<string, never>> {
    async perform() {}
  }
  it("is one value per schedule, the same at every parse and in every process: once an hour, not at random minutes", () => {
    const hourly = defineRecurringJob("hourly-report", "H * * * *", Hashed, {});
    const start = Date.UTC(2030, 0, 1, 12, 0, 0);
    const ticks = Array.from({ length: 5 }, () => nextTick(hourly, start));
    expect(new Set(ticks).size).toBe(1);
    // Three hours hold three ticks, an hour apart.
    const three = ticksBetween(hourly, start, start + 3 * 3_600_000, 100);
    expect(three).toHaveLength(3);
    expect(three[1]! - three[0]!).toBe(3_600_000);
    // The same expression under the same name, defined again (another process): the same minute.
    expect(nextTick(defineRecurringJob("hourly-report", "H * * * *", Hashed, {}), start)).toBe(ticks[0]);
  });
});
