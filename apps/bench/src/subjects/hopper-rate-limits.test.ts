import { ConfigurationError } from "@hopper/core";
import { describe, expect, it } from "vitest";
import { createHopperSubject } from "./hopper-subject.js";
import { benchRateLimits, otherRateLimitedQueue } from "./hopper-rate-limits.js";

describe("HOPPER_BENCH_RATE_LIMITS", () => {
  it("off (the default) declares no limit; others declares a job limit and a queue override, neither on the bench's queue", () => {
    expect(benchRateLimits()).toEqual({ mode: "off", jobs: [], options: {} });
    const others = benchRateLimits("others");
    expect(others.jobs.map((job) => job.rateLimit)).toEqual([expect.objectContaining({ limit: 100, per: "1s" })]);
    expect(others.jobs.map((job) => job.queue)).toEqual([otherRateLimitedQueue]);
    expect(Object.keys(others.options.rateLimits?.queues ?? {})).toEqual([otherRateLimitedQueue]);
  });

  it("refuses an unknown mode, naming the variable", () => {
    let error: unknown;
    try {
      benchRateLimits("on");
    } catch (caught) {
      error = caught;
    }
    expect(ConfigurationError.isInstance(error) && error.field).toBe("HOPPER_BENCH_RATE_LIMITS");
  });

  it("the Hopper subject runs its unlimited jobs with the other limits declared, and says so in its settings", async () => {
    process.env.HOPPER_BENCH_RATE_LIMITS = "others";
    try {
      const subject = await createHopperSubject("memory://bench-rate-limits");
      try {
        const queue = "bench-rate-limits";
        let ran = 0;
        const consumer = await subject.consume(queue, 2, async () => void (ran += 1));
        await subject.enqueueMany(queue, [1, 2, 3].map(() => ({ sentAt: Date.now(), padding: "" })));
        while (ran < 3) await new Promise((resolve) => setTimeout(resolve, 10));
        await consumer.stop();
        expect(subject.shape(2).settings.rateLimits).toBe("others");
      } finally {
        await subject.close();
      }
    } finally {
      delete process.env.HOPPER_BENCH_RATE_LIMITS;
    }
  });
});
