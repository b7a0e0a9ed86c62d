import { ConfigurationError, createHopper, Job } from "@hopper/core";
import { describe, expect, it } from "vitest";
import { benchDashboard } from "./hopper-dashboard.js";

class Noop extends Job<Record<string, never>> {
  static override jobName = "Noop";
  async perform(): Promise<void> {}
}

describe("HOPPER_BENCH_DASHBOARD", () => {
  it("refuses an unknown mode, naming the variable", async () => {
    const hopper = createHopper({ url: "memory://bench-dashboard-mode", jobs: [Noop] });
    const error = await benchDashboard(hopper, "yes").catch((caught: unknown) => caught);
    expect(ConfigurationError.isInstance(error) && error.field).toBe("HOPPER_BENCH_DASHBOARD");
    await hopper.close();
  });

  it("off loads nothing; on loads the three pages every refresh while open, and stops on close", async () => {
    const hopper = createHopper({ url: "memory://bench-dashboard", jobs: [Noop] });
    const off = await benchDashboard(hopper);
    off.open();
    await off.close();
    expect(off.loadedPages()).toBe(0);

    const on = await benchDashboard(hopper, "on");
    on.open();
    await expect.poll(() => on.loadedPages(), { timeout: 10_000, interval: 100 }).toBeGreaterThanOrEqual(3);
    await on.close();
    const afterClose = on.loadedPages();
    expect(afterClose % 3).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(on.loadedPages()).toBe(afterClose);
    await hopper.close();
  });
});
