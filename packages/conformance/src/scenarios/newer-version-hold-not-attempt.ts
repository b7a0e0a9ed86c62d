import { expect } from "vitest";
import { Job, type JobContext } from "@hopper/core";
import { defineScenario } from "../scenario.js";
import { runWorkerUntil, sleep, testHopper } from "../harness.js";

export const newerVersionHoldNotAttempt = defineScenario({
  name: "a payload held back for a newer worker runs there as attempt 1",
  // Where delays are native the held copies are plain delayed messages; this is about holds by nack. (On SQS
  // standard a worker stopping mid-receive releases what SQS leased to it, and that receive counts: guarantees.md.)
  requires: ["nackDelay"],
  requiresAbsent: ["delayedDelivery"],
  timeoutMs: 90_000,
  async run({ backend, createBackend, queue }) {
    const name = queue("newerattempt");
    const attempts: number[] = [];
    class ReportV1 extends Job<{ id: number }> {
      static override jobName = "Report";
      static override queue = name;
      async perform() {
        throw new Error("the old worker must not run a newer payload");
      }
    }
    class ReportV2 extends Job<{ id: number }> {
      static override jobName = "Report";
      static override queue = name;
      static override version = 2;
      static override upgrades = { 1: (old: { id: number }) => old };
      async perform(_args: { id: number }, context: JobContext) {
        attempts.push(context.attempt);
      }
    }
    const newApp = testHopper(await createBackend(), [ReportV2]);
    const oldApp = testHopper(backend, [ReportV1]);
    await newApp.enqueue(ReportV2, { id: 1 });
    // The old worker holds the payload back several times before a newer worker is deployed.
    const oldWorker = oldApp.worker({ queues: [name], pollWait: 200, handleSignals: false, newerVersionRetry: 300, newerVersionMaxHold: "1h" });
    const oldRunning = oldWorker.run();
    await sleep(2500);
    await oldWorker.stop({ timeout: 5000 });
    await oldRunning;
    await runWorkerUntil(newApp, { queues: [name] }, () => attempts.length === 1, "the newer worker to run the held payload");
    expect(attempts).toEqual([1]);
  },
});
