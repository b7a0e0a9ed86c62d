import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { loadProfiles } from "../bench-plan.js";
import { now, type BenchSubject } from "../subjects/bench-subject.js";
import { inProcessSubject } from "./in-process-subject.js";
import { uniqueQueueName, type ScenarioContext } from "./scenario-context.js";
import { payloadSizes } from "./throughput-scenarios.js";

/** How long the double's consumer takes to stop: long beside a 10-job drain, so a span that included it would show. */
const stopMs = 200;

/** The in-process double, noting when its consumer was ready and when its stop was called; the stop then takes `stopMs`. */
function slowStopping(subject: BenchSubject) {
  const moments = { readyAt: 0, stopCalledAt: 0 };
  const wrapped: BenchSubject = {
    ...subject,
    async consume(queue, concurrency, handler) {
      const consumer = await subject.consume(queue, concurrency, handler);
      moments.readyAt = now();
      return {
        async stop() {
          moments.stopCalledAt = now();
          await sleep(stopMs);
          await consumer.stop();
        },
      };
    },
  };
  return { subject: wrapped, moments };
}

describe("the payload scenario", () => {
  it("times from the consumer ready to the last first start, not through the consumer's stop", async () => {
    const { subject, moments } = slowStopping(inProcessSubject());
    const jobs = 10;
    const context: ScenarioContext = {
      subject,
      plan: { ...loadProfiles().short!, warmup: 0, repetitions: 1, payload: { sizes: [100], jobs, concurrency: 1, timeoutMs: 60_000 } },
      progress() {},
      note() {},
      queueName: uniqueQueueName,
    };
    const [point] = await payloadSizes(context);
    const spanMs = (jobs * 1000) / point!.rate!.summary.median;
    // The double notes `readyAt` before the scenario's own clock starts, so this end is at or before the recorded one.
    expect(moments.readyAt + spanMs).toBeLessThanOrEqual(moments.stopCalledAt);
    expect(point!.bulkEnqueue?.samples).toHaveLength(1);
  });
});
