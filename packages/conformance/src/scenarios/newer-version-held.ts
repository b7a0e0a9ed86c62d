import { expect } from "vitest";
import { Job, PayloadVersionError } from "@hopper/core";
import { defineScenario } from "../scenario.js";
import { sleep, testHopper, waitFor } from "../harness.js";

export const newerVersionHeld = defineScenario({
  name: "a payload newer than the worker is held back for a newer worker, then dead-lettered after the bound",
  timeoutMs: 90_000,
  async run({ backend, createBackend, queue }) {
    const name = queue("newer");
    const oldRuns: unknown[] = [];
    const newRuns: unknown[] = [];
    class ReportV1 extends Job<{ id: number }> {
      static override jobName = "Report";
      static override queue = name;
      async perform(args: { id: number }) {
        oldRuns.push(args);
      }
    }
    class ReportV2 extends Job<{ id: string }> {
      static override jobName = "Report";
      static override queue = name;
      static override version = 2;
      static override upgrades = { 1: (old: { id: number }) => ({ id: String(old.id) }) };
      async perform(args: { id: string }) {
        newRuns.push(args);
      }
    }
    const newApp = testHopper(await createBackend(), [ReportV2]);
    const oldWorkerApp = testHopper(backend, [ReportV1]);

    // Mid-deploy: an old worker sees a v2 payload and holds it back; a new worker then runs it.
    await newApp.enqueue(ReportV2, { id: "rollout" });
    const patientOldWorker = oldWorkerApp.worker({ queues: [name], pollWait: 200, handleSignals: false, newerVersionRetry: 300, newerVersionMaxHold: "1h" });
    const patientRunning = patientOldWorker.run();
    await sleep(1500);
    await patientOldWorker.stop({ timeout: 5000 });
    await patientRunning;
    expect(oldRuns).toEqual([]);
    const rolloutWorker = newApp.worker({ queues: [name], pollWait: 200, handleSignals: false });
    const rolloutRunning = rolloutWorker.run();
    await waitFor(() => newRuns.length === 1, "the new worker to run the held payload");
    await rolloutWorker.stop({ timeout: 5000 });
    await rolloutRunning;
    expect(newRuns).toEqual([{ id: "rollout" }]);
    expect(await newApp.deadLetters(name).peek({ max: 10, waitMs: 200 })).toEqual([]);
    newRuns.length = 0;
    const heldId = await newApp.enqueue(ReportV2, { id: "held-then-run" });
    const deadId = await newApp.enqueue(ReportV2, { id: "never-run" });

    // Only the old worker runs at first: it must not run v2 payloads.
    const oldWorker = oldWorkerApp.worker({ queues: [name], pollWait: 200, handleSignals: false, newerVersionRetry: 300, newerVersionMaxHold: 1500 });
    const oldRunning = oldWorker.run();
    let deadLetters: Awaited<ReturnType<ReturnType<typeof oldWorkerApp.deadLetters>["peek"]>> = [];
    await waitFor(async () => {
      deadLetters = await oldWorkerApp.deadLetters(name).peek({ max: 10, waitMs: 200 });
      return deadLetters.length >= 2;
    }, "both held payloads to reach the dead letters after the bound", 60_000);
    await oldWorker.stop({ timeout: 5000 });
    await oldRunning;
    expect(oldRuns).toEqual([]);
    expect(deadLetters.map((letter) => letter.id).sort()).toEqual([heldId, deadId].sort());
    expect(deadLetters[0]!.error.name).toBe(PayloadVersionError.name);
    expect(deadLetters[0]!.error.message).toMatch(/version 2 .*only up to version 1/);

    // Retried from the dead letters once a newer worker is deployed, it runs there.
    expect(await newApp.deadLetters(name).retry({ max: 10, waitMs: 500 })).toBe(2);
    const newWorker = newApp.worker({ queues: [name], pollWait: 200, handleSignals: false });
    const newRunning = newWorker.run();
    await waitFor(() => newRuns.length === 2, "the newer worker to run both");
    await newWorker.stop({ timeout: 5000 });
    await newRunning;
    expect(newRuns).toContainEqual({ id: "held-then-run" });
  },
});
