import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createConsoleLogger, createHopper, Job, type CoordinationStore, type Hopper, type RecurringJobOptions } from "@hopper/core";

export interface SchedulerEdgesSuiteOptions {
  readonly name: string;
  /** A fresh store per call on the shared server; the suite closes it. */
  readonly createStore: () => Promise<CoordinationStore>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const start = Date.UTC(2030, 0, 1, 12, 0, 0);
const noon = new Date(start).toISOString();

class Tick extends Job<Record<string, never>> {
  async perform() {}
}

/**
 * Recurring jobs on a real coordination store at the edges: a claim whose
 * confirmation fails after the tick was enqueued, a schedule whose enqueue
 * throws, and a scheduler whose local clock is wrong.
 */
export function runSchedulerEdgesSuite(options: SchedulerEdgesSuiteOptions): void {
  describe(`${options.name}: recurring ticks at the edges`, () => {
    const opened: { close(): Promise<void> }[] = [];
    afterEach(async () => {
      vi.useRealTimers();
      await Promise.all(opened.splice(0).map((closable) => closable.close()));
    });

    /** A Hopper on the memory transport whose coordination is `store`; enqueued ticks are recorded as "schedule@HH:MM:SS". */
    const open = (store: CoordinationStore, failFor: Set<string> = new Set()) => {
      const hopper: Hopper = createHopper({ url: "memory://", jobs: [Tick], coordination: store, logger: createConsoleLogger("silent") });
      opened.push(hopper);
      const enqueued: string[] = [];
      hopper.use({
        async enqueue(context, next) {
          const schedule = context.meta["hopper.schedule"] ?? "";
          if (failFor.has(schedule)) throw new Error(`enqueue of ${schedule} refused for the test`);
          const ids = await next();
          enqueued.push(`${schedule}@${context.meta["hopper.tick"]}`);
          return ids;
        },
      });
      return { hopper, enqueued };
    };
    const schedule = (hopper: Hopper, name: string, cron: string, scheduleOptions: RecurringJobOptions = {}) => hopper.schedule(name, cron, Tick, {}, scheduleOptions);
    /** Two Hoppers on one store with the same 10-second schedule; the first has run one pass at the right time. */
    const twoSchedulersOneRun = async (prefix: string) => {
      const name = `${prefix}-${randomUUID().slice(0, 8)}`;
      const right = open(await options.createStore());
      const wrong = open(await options.createStore());
      for (const { hopper } of [right, wrong]) schedule(hopper, name, "*/10 * * * * *", { grace: "30s" });
      await right.hopper.scheduler({ handleSignals: false }).runDue();
      expect(right.enqueued.length).toBeGreaterThan(0);
      return { right, wrong };
    };
    /** The wrong clock's scheduler enqueued none of the ticks the right one already had. */
    const expectNoTickAtOrBefore = (rightEnqueued: readonly string[], wrongEnqueued: readonly string[]) => {
      const latest = rightEnqueued.map((entry) => entry.split("@")[1]!).sort().at(-1)!;
      expect(wrongEnqueued.filter((entry) => entry.split("@")[1]! <= latest)).toEqual([]);
    };

    it("does not enqueue a tick again when the claim's extend and mark fail after the job was enqueued", { timeout: 30_000 }, async () => {
      const real = await options.createStore();
      opened.push(real);
      let failures = { extend: 1, mark: 1 };
      // The real store, with its next extend and its next mark write failing as a dropped connection would.
      const flaky: CoordinationStore = {
        ...real,
        acquire: (...args) => real.acquire(...args),
        release: (...args) => real.release(...args),
        close: async () => {},
        async extend(...args) {
          if (failures.extend-- > 0) throw new Error("connection lost (test)");
          return real.extend(...args);
        },
        async advance(key, value) {
          if (value !== undefined && failures.mark-- > 0) throw new Error("connection lost (test)");
          return real.advance(key, value);
        },
      };
      const name = `edge-${randomUUID().slice(0, 8)}`;
      const first = open(flaky);
      schedule(first.hopper, name, "0 * * * *", { grace: "1h" });
      const scheduler = first.hopper.scheduler({ handleSignals: false, claimLease: "300ms" });
      await scheduler.runDue(start + 1000).catch(() => {});
      // Past the claim lease: a claim that was never confirmed is free again.
      await sleep(800);
      await scheduler.runDue(start + 2000).catch(() => {});
      const second = open(real);
      schedule(second.hopper, name, "0 * * * *", { grace: "1h" });
      await second.hopper.scheduler({ handleSignals: false, claimLease: "300ms" }).runDue(start + 3000);
      expect([...first.enqueued, ...second.enqueued]).toEqual([`${name}@${noon}`]);
      // The mark the catch-up reads was written after all.
      failures = { extend: 0, mark: 0 };
      expect(await real.advance(`schedule:${name}:last`)).toBe(start);
    });

    it("goes on with the other schedules when one schedule's enqueue throws, and retries that one", { timeout: 30_000 }, async () => {
      const store = await options.createStore();
      const failFor = new Set<string>();
      const { hopper, enqueued } = open(store, failFor);
      const [broken, healthy] = [`broken-${randomUUID().slice(0, 8)}`, `healthy-${randomUUID().slice(0, 8)}`];
      failFor.add(broken);
      // Registered first, so that it comes first in every pass.
      schedule(hopper, broken, "0 * * * *", { grace: "1h" });
      schedule(hopper, healthy, "0 * * * *", { grace: "1h" });
      const scheduler = hopper.scheduler({ handleSignals: false, claimLease: "300ms" });
      await scheduler.runDue(start + 1000).catch(() => {});
      expect(enqueued).toEqual([`${healthy}@${noon}`]);
      failFor.delete(broken);
      await scheduler.runDue(start + 60_000);
      expect(enqueued).toEqual([`${healthy}@${noon}`, `${broken}@${noon}`]);
    });

    it("reads the time from the store, so a scheduler with a wrong local clock enqueues no tick another already did", { timeout: 30_000 }, async () => {
      const { right, wrong } = await twoSchedulersOneRun("clock");
      // This process's clock runs five minutes behind the store's.
      vi.useFakeTimers({ toFake: ["Date"], now: Date.now() - 5 * 60_000 });
      await wrong.hopper.scheduler({ handleSignals: false }).runDue();
      vi.useRealTimers();
      // Only a tick that came due between the two passes may be new to it.
      expectNoTickAtOrBefore(right.enqueued, wrong.enqueued);
    });

    it("a running scheduler (run(), not only runDue) reads each pass's time from the store too", { timeout: 30_000 }, async () => {
      const { right, wrong } = await twoSchedulersOneRun("clock-loop");
      // This process's clock runs five minutes behind the store's; its loop makes one pass, then sleeps.
      vi.useFakeTimers({ toFake: ["Date"], now: Date.now() - 5 * 60_000 });
      try {
        const scheduler = wrong.hopper.scheduler({ handleSignals: false });
        const running = scheduler.run();
        await new Promise((resolve) => setTimeout(resolve, 1500));
        await scheduler.stop();
        await running;
      } finally {
        vi.useRealTimers();
      }
      expectNoTickAtOrBefore(right.enqueued, wrong.enqueued);
    });
  });
}
