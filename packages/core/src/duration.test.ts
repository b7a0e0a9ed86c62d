import { describe, expect, it } from "vitest";
import { ConfigurationError } from "./errors/configuration-error.js";
import { createHopper } from "./hopper.js";
import { Job } from "./job.js";
import { createConsoleLogger } from "./logger.js";
import { createMemoryBackend } from "./memory/memory-backend.js";
import { MAX_TIMER_MS, toMilliseconds, toTimerMilliseconds } from "./duration.js";

function refusal(run: () => unknown): { field: string; message: string } | undefined {
  try {
    run();
  } catch (error) {
    if (ConfigurationError.isInstance(error)) return { field: error.field, message: error.message };
    throw error;
  }
  return undefined;
}

describe("durations", () => {
  it("refuse what is not a duration with an error naming the field, whatever the caller passed", () => {
    for (const value of ["", "   ", "soon", null, true, {}, [], Number.NaN, -1, Number.POSITIVE_INFINITY]) {
      expect(refusal(() => toMilliseconds(value as never, "options.wait")), JSON.stringify(value)).toMatchObject({ field: "options.wait" });
    }
  });

  it("refuse a duration that now plus it would take past a Date (over a thousand years)", () => {
    expect(refusal(() => toMilliseconds("300000y", "options.wait"))).toMatchObject({ field: "options.wait" });
    expect(refusal(() => toMilliseconds(1e16, "options.wait"))).toMatchObject({ field: "options.wait" });
    expect(refusal(() => toMilliseconds(8.64e15, "options.wait"))).toMatchObject({ field: "options.wait" });
    expect(toMilliseconds("30d", "records.keep.failed")).toBe(30 * 86_400_000);
  });

  it("bound a timer's duration by the longest timer Node keeps (2³¹ − 1 ms), which past it fires at once", () => {
    expect(toTimerMilliseconds("24d", "worker.shutdownTimeout")).toBe(24 * 86_400_000);
    expect(toTimerMilliseconds(MAX_TIMER_MS, "worker.shutdownTimeout")).toBe(MAX_TIMER_MS);
    const refused = refusal(() => toTimerMilliseconds("30d", "worker.shutdownTimeout"));
    expect(refused?.field).toBe("worker.shutdownTimeout");
    expect(refused?.message).toMatch(/at most 2147483647 ms/);
  });

  it("refuse a worker whose timers would overflow, naming the option, before it runs anything", async () => {
    class Noop extends Job<Record<string, never>> {
      async perform() {}
    }
    const hopper = createHopper({ backend: createMemoryBackend(), jobs: [Noop], logger: createConsoleLogger("silent") });
    try {
      for (const option of ["shutdownTimeout", "heartbeat", "pauseCheck", "lease", "pollWait", "exitOnHungJob"] as const) {
        expect(refusal(() => hopper.worker({ [option]: "30d", handleSignals: false })), option).toMatchObject({ field: `worker.${option}` });
      }
      // A delay or a lifetime, not a timer: a long one stays valid.
      expect(refusal(() => hopper.worker({ newerVersionRetry: "30d", handleSignals: false }))).toBeUndefined();
    } finally {
      await hopper.close();
    }
  });
});
