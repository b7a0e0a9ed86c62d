import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createConsoleLogger, createHopper } from "@hopper/core";
import { waitFor } from "../harness.js";
import { startFixtureProcess } from "../processes/fixture-process.js";
import { batchKillJobs } from "./batch-kill-jobs.js";

export interface BatchKillSuiteOptions {
  readonly name: string;
  /** A backend URL that separate processes share, whose adapter offers a coordination store on the same server. */
  readonly backendUrl: string;
}

const fixture = new URL("./test-batch-kill-worker.ts", import.meta.url);

/**
 * A worker process SIGKILLed between its claim of a batch's callback and the
 * callback's enqueue: the last child was never acked, so once its lease ends
 * another worker runs it again, re-takes the claim it held and sends the
 * callback, which runs once. The same for a chain's next step.
 */
export function runBatchKillSuite(options: BatchKillSuiteOptions): void {
  describe(`${options.name}: a batch and a chain across a SIGKILL between the claim of what they send next and its enqueue`, () => {
    it("the callback is sent once, by the redelivered last child, and runs once", { timeout: 90_000 }, async () => {
      const queue = `batchkill-${randomUUID().slice(0, 8)}`;
      const runs: string[] = [];
      const { KillChild, KillDone } = batchKillJobs(queue, (name) => runs.push(name));
      const hopper = createHopper({ url: options.backendUrl, jobs: [KillChild, KillDone], logger: createConsoleLogger("silent") });
      const batch = await hopper.batch({ onComplete: [KillDone, {}] });
      await batch.addAll(KillChild, [{ n: 1 }, { n: 2 }, { n: 3 }]);
      await batch.seal();
      const worker = startFixtureProcess(fixture, { HOPPER_URL: options.backendUrl, FIXTURE_QUEUE: queue });
      try {
        expect(await worker.exited, worker.stderr()).toBe("SIGKILL");
        // It ran every child and died claiming the callback: the claim is taken, nothing was sent.
        expect(worker.stdout().split("\n").filter(Boolean).sort()).toEqual(["claimed", "ran child:1", "ran child:2", "ran child:3"]);
        expect((await batch.status()).callbacks.onComplete).toBe("waiting");

        const survivor = hopper.worker({ queues: [queue], concurrency: 2, lease: "2s", pollWait: "200ms", handleSignals: false });
        const running = survivor.run();
        try {
          await waitFor(async () => (await batch.status()).callbacks.onComplete === "succeeded", "the callback to succeed", 60_000);
        } finally {
          await survivor.stop({ timeout: 5000 });
          await running;
        }
        // The last child, unacked, ran again here, and so may an earlier one whose ack was still on its way at
        // the SIGKILL (at-least-once); each counts once, and the callback ran once.
        expect(runs.filter((name) => name === "done")).toEqual(["done"]);
        const ranAgain = runs.filter((name) => name.startsWith("child:"));
        expect(ranAgain.length).toBeGreaterThanOrEqual(1);
        expect(new Set(ranAgain).size).toBe(ranAgain.length);
        expect(await batch.status()).toMatchObject({ total: 3, succeeded: 3, pending: 0 });
      } finally {
        worker.killIfRunning();
        await hopper.close();
      }
    });

    // A step's bookkeeping commits its success and sends the next step, before its ack. Killed in between, the step's
    // copy must not be dropped as already succeeded before the next step is sent: the chain would stop for good.
    it("a chain whose worker dies sending the next step: the step's copy sends it, and the chain succeeds", { timeout: 90_000 }, async () => {
      const queue = `chainkill-${randomUUID().slice(0, 8)}`;
      const runs: string[] = [];
      const { ChainFirst, ChainSecond } = batchKillJobs(queue, (name) => runs.push(name));
      const hopper = createHopper({ url: options.backendUrl, jobs: [ChainFirst, ChainSecond], logger: createConsoleLogger("silent") });
      const chain = await hopper.chain([ChainFirst, {}], [ChainSecond, {}]);
      const worker = startFixtureProcess(fixture, { HOPPER_URL: options.backendUrl, FIXTURE_QUEUE: queue });
      try {
        expect(await worker.exited, worker.stderr()).toBe("SIGKILL");
        expect(worker.stdout().split("\n").filter(Boolean)).toEqual(["ran first", "claimed"]);
        expect((await chain.status()).steps.map((step) => step.state)).toEqual([expect.stringMatching(/^(enqueued|succeeded)$/), "waiting"]);

        const survivor = hopper.worker({ queues: [queue], concurrency: 2, lease: "2s", pollWait: "200ms", handleSignals: false });
        const running = survivor.run();
        try {
          await waitFor(async () => (await chain.status()).state === "succeeded", "the chain to succeed", 60_000);
        } finally {
          await survivor.stop({ timeout: 5000 });
          await running;
        }
        // The first step's success was committed before the kill: its copy sends the second step and is acked unrun
        // (it ran once, in the killed process); the second ran once.
        expect(runs).toEqual(["second"]);
      } finally {
        worker.killIfRunning();
        await hopper.close();
      }
    });
  });
}
