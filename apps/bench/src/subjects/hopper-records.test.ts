import { ConfigurationError } from "@hopper/core";
import { describe, expect, it } from "vitest";
import { createHopperSubject } from "./hopper-subject.js";
import { benchRecords } from "./hopper-records.js";

describe("HOPPER_BENCH_RECORDS", () => {
  it("off (the default) passes no records option; on passes records: {}", () => {
    expect(benchRecords()).toEqual({ mode: "off", options: {} });
    expect(benchRecords("on")).toEqual({ mode: "on", options: { records: {} } });
  });

  it("refuses an unknown mode, naming the variable", () => {
    const error = (() => {
      try {
        return benchRecords("yes");
      } catch (caught) {
        return caught;
      }
    })();
    expect(ConfigurationError.isInstance(error) && error.field).toBe("HOPPER_BENCH_RECORDS");
  });

  it("the Hopper subject runs jobs with records on and says so in its settings", async () => {
    process.env.HOPPER_BENCH_RECORDS = "on";
    try {
      const subject = await createHopperSubject("memory://bench-records");
      try {
        const queue = "bench-records";
        let ran = 0;
        const consumer = await subject.consume(queue, 2, async () => void (ran += 1));
        await subject.enqueueMany(queue, [1, 2].map(() => ({ sentAt: Date.now(), padding: "" })));
        while (ran < 2) await new Promise((resolve) => setTimeout(resolve, 10));
        await consumer.stop();
        expect(subject.shape(2).settings.records).toBe("on");
      } finally {
        await subject.close();
      }
    } finally {
      delete process.env.HOPPER_BENCH_RECORDS;
    }
  });
});
