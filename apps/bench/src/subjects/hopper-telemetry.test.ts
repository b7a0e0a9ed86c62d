import { ConfigurationError } from "@hopper/core";
import { describe, expect, it } from "vitest";
import { createHopperSubject } from "./hopper-subject.js";
import { benchTelemetry } from "./hopper-telemetry.js";

describe("HOPPER_BENCH_TELEMETRY", () => {
  it("off adds no middleware; api and sdk add the OpenTelemetry middleware", async () => {
    expect((await benchTelemetry()).middleware).toEqual([]);
    expect((await benchTelemetry("api")).middleware).toHaveLength(1);
    const sdk = await benchTelemetry("sdk");
    expect(sdk.middleware).toHaveLength(1);
    await sdk.shutdown();
  });

  it("refuses an unknown mode, naming the variable", async () => {
    const error = await benchTelemetry("on").catch((caught: unknown) => caught);
    expect(ConfigurationError.isInstance(error) && error.field).toBe("HOPPER_BENCH_TELEMETRY");
  });

  it("the Hopper subject runs jobs with the SDK recording", async () => {
    process.env.HOPPER_BENCH_TELEMETRY = "sdk";
    try {
      const subject = await createHopperSubject("memory://bench-telemetry");
      const ran: number[] = [];
      let done: () => void;
      const allRan = new Promise<void>((resolve) => (done = resolve));
      const consumer = await subject.consume("telemetry", 2, async () => {
        if (ran.push(1) === 3) done();
      });
      await subject.enqueueMany("telemetry", [1, 2, 3].map(() => ({ sentAt: Date.now(), padding: "" })));
      await allRan;
      await consumer.stop();
      await subject.close();
      expect(ran).toHaveLength(3);
    } finally {
      delete process.env.HOPPER_BENCH_TELEMETRY;
    }
  });
});
