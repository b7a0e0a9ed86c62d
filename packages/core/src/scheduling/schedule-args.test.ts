import { describe, expect, it } from "vitest";
import { createHopper } from "../hopper.js";
import { Job } from "../job.js";
import { createConsoleLogger } from "../logger.js";
import { createMemoryBackend } from "../memory/memory-backend.js";

class Nightly extends Job<{ format: unknown }> {
  async perform() {}
}

describe("a schedule's args", () => {
  it("are refused when the scheduler starts if no tick could enqueue them (a function): one schedule must not stop the others at its first tick", async () => {
    const hopper = createHopper({ backend: createMemoryBackend(), jobs: [Nightly], logger: createConsoleLogger("silent") });
    try {
      hopper.schedule("nightly", "0 3 * * *", Nightly, { format: () => "pdf" });
      await expect(hopper.scheduler({ handleSignals: false }).run()).rejects.toThrow(/schedule\(nightly\)\.args: args\.format: is a function/);
    } finally {
      await hopper.close();
    }
  });
});

describe("a schedule whose job's keys cannot be computed from its args", () => {
  class Report extends Job<{ account?: string }> {
    static override unique = { key: (args: { account?: string }) => args.account! };
    async perform() {}
  }
  class Sync extends Job<{ account?: string }> {
    static override concurrency = { key: (args: { account?: string }) => args.account! };
    async perform() {}
  }
  class Export extends Job<{ account?: string }> {
    static override rateLimit = { limit: 5, per: "1s", key: (args: { account?: string }) => args.account! };
    async perform() {}
  }

  it("is refused when the scheduler starts, naming it (its first tick stopped every schedule)", async () => {
    for (const [jobClass, field] of [
      [Report, "Report.unique.key"],
      [Sync, "Sync.concurrency.key"],
      [Export, "Export.rateLimit.key"],
    ] as const) {
      const hopper = createHopper({ url: `memory://schedule-keys-${field}`, jobs: [jobClass], logger: createConsoleLogger("silent") });
      try {
        hopper.schedule("keyed", "0 3 * * *", jobClass, {});
        await expect(hopper.scheduler({ handleSignals: false }).run()).rejects.toThrow(new RegExp(`^schedule\\(keyed\\)\\.args: ${field.replace(/\./g, "\\.")}: must return`));
      } finally {
        await hopper.close();
      }
    }
  });
});

describe("a schedule's grace", () => {
  class Tick extends Job<Record<string, never>> {
    async perform() {}
  }

  it("under a second is refused (a new schedule's ticks passed unseen between two passes and it never fired)", async () => {
    const hopper = createHopper({ url: "memory://schedule-grace-floor", jobs: [Tick], logger: createConsoleLogger("silent") });
    try {
      expect(() => hopper.schedule("fast", "* * * * * *", Tick, {}, { grace: 0 })).toThrow(/^schedule\(fast\)\.grace: must be at least 1s/);
      expect(() => hopper.schedule("fast", "* * * * * *", Tick, {}, { grace: "3ms" })).toThrow(/at least 1s/);
    } finally {
      await hopper.close();
    }
  });

  it("not longer than the scheduler's claimLease is refused when the scheduler starts (a dead scheduler's claimed tick was lost)", async () => {
    const hopper = createHopper({ url: "memory://schedule-grace-claim", jobs: [Tick], logger: createConsoleLogger("silent") });
    try {
      hopper.schedule("minutely", "* * * * *", Tick, {}, { grace: "5s" });
      await expect(hopper.scheduler({ handleSignals: false, claimLease: "10s" }).run()).rejects.toThrow(/^schedule\(minutely\)\.grace: must be longer than the scheduler's claimLease \(10000 ms\)/);
    } finally {
      await hopper.close();
    }
  });
});
