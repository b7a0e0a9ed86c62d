import { ConfigurationError, type Hopper } from "@hopper/core";

export const benchDashboardModes = ["off", "on"] as const;
export type BenchDashboardMode = (typeof benchDashboardModes)[number];

/** How often the open page asks: the dashboard's shortest refresh (`refreshMs` is at least 1000). */
const refreshMs = 1000;
/** What one open tab loads per refresh: the queues page and the two pages an operator keeps beside it. */
const pagesLoaded = ["/queues", "/dead-letters", "/workers"];

/** A dashboard kept open while the subject works; `close` stops its refreshes. */
export interface BenchDashboard {
  readonly mode: BenchDashboardMode;
  /** Pages answered so far (each refresh loads every page of `pagesLoaded`). */
  loadedPages(): number;
  open(): void;
  close(): Promise<void>;
}

/**
 * HOPPER_BENCH_DASHBOARD: "off" (default) runs the Hopper subject alone; "on" also serves
 * @hopper/dashboard from the same process (its fetch form, so no socket work is counted) and loads
 * three of its pages every second while a worker runs, as a tab left open at the shortest refresh
 * would: the cost of a dashboard on the workers' own process and on their backend, at its worst.
 */
export async function benchDashboard(hopper: Hopper, mode: string = "off"): Promise<BenchDashboard> {
  if (mode === "off") return { mode, loadedPages: () => 0, open() {}, close: async () => {} };
  if (mode !== "on") throw new ConfigurationError({ field: "HOPPER_BENCH_DASHBOARD", message: `must be one of ${benchDashboardModes.join(", ")}, got ${JSON.stringify(mode)}` });
  const { createDashboard } = await import("@hopper/dashboard");
  const dashboard = createDashboard({ hopper, authorize: () => true, refreshMs, logger: { debug() {}, info() {}, warn() {}, error() {} } });
  let timer: NodeJS.Timeout | undefined;
  let loading: Promise<void> = Promise.resolve();
  let failures = 0;
  let loaded = 0;
  const load = async () => {
    for (const page of pagesLoaded) {
      const response = await dashboard.fetch(new Request(`http://bench.invalid${page}`));
      await response.text();
      if (response.ok) loaded += 1;
      else failures += 1;
    }
  };
  return {
    mode,
    loadedPages: () => loaded,
    open() {
      if (timer) return;
      timer = setInterval(() => {
        loading = loading.then(load);
      }, refreshMs);
    },
    async close() {
      clearInterval(timer);
      timer = undefined;
      await loading;
      // A page that failed would make the "on" runs cheaper than a working dashboard: say so rather than report them.
      if (failures > 0) throw new Error(`HOPPER_BENCH_DASHBOARD=on: ${failures} dashboard page loads failed`);
    },
  };
}
