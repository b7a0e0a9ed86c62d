import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createConsoleLogger, createHopper } from "@hopper/core";
import { waitFor } from "../harness.js";
import { startFixtureProcess } from "./fixture-process.js";
import { iteratingJobClass, killSuiteCheckpointItems } from "./iterating-job.js";

export interface IterationKillSuiteOptions {
  readonly name: string;
  /** A backend URL that separate processes share, whose backend keeps job records (`Backend.recordStore`). */
  readonly backendUrl: string;
}

const fixture = new URL("./test-iterating-worker.ts", import.meta.url);

/**
 * A worker process SIGKILLed in the middle of an iterable job: once its lease
 * ends, another worker resumes from the last checkpoint in the job's record,
 * so only the items since that checkpoint run twice, and every item runs.
 */
export function runIterationKillSuite(options: IterationKillSuiteOptions): void {
  describe(`${options.name}: an iterable job across a SIGKILL`, () => {
    it("resumes from the record's last checkpoint: only the items since it run again", { timeout: 90_000 }, async () => {
      const queue = `iterkill-${randomUUID().slice(0, 8)}`;
      const count = 1000;
      // Item 549 is the 550th: checkpoints were written after 100, 200 … 500 items, so items 500–549 run again.
      const hangAt = 549;
      const resumed: number[] = [];
      const attempts = new Set<number>();
      const CountingWalk = iteratingJobClass(queue, (item, attempt) => {
        resumed.push(item);
        attempts.add(attempt);
      });
      const hopper = createHopper({ url: options.backendUrl, jobs: [CountingWalk], records: {}, logger: createConsoleLogger("silent") });
      const fixtureProcess = startFixtureProcess(fixture, { HOPPER_URL: options.backendUrl, FIXTURE_QUEUE: queue, HANG_AT: String(hangAt) });
      const { child, exited } = fixtureProcess;
      try {
        const id = await CountingWalk.performLater({ count });
        await waitFor(() => fixtureProcess.stdout().includes(`item ${hangAt}\n`) || child.exitCode !== null, `the child to reach item ${hangAt}`, 60_000);
        expect(child.exitCode, fixtureProcess.stderr()).toBeNull();
        child.kill("SIGKILL");
        expect(await exited).toBe("SIGKILL");
        const killed = fixtureProcess.stdout().split("\n").filter(Boolean).map((line) => Number(line.slice("item ".length)));
        expect(killed).toEqual([...Array(hangAt + 1).keys()]);

        const worker = hopper.worker({ queues: [queue], concurrency: 1, lease: "2s", pollWait: "200ms", handleSignals: false });
        const running = worker.run();
        try {
          await waitFor(async () => (await hopper.jobs.get(id))?.state === "succeeded", "the resumed job to succeed", 60_000);
        } finally {
          await worker.stop({ timeout: 5000 });
          await running;
        }
        const again = resumed.filter((item) => item <= hangAt);
        // Reported so a regression shows its size, not only that it failed.
        console.info(`${options.name}: ${again.length} items ran again after the SIGKILL (checkpoint every ${killSuiteCheckpointItems})`);
        expect(again.length).toBeLessThanOrEqual(killSuiteCheckpointItems);
        // Deterministic: the checkpoint after item 499 was written before item 500 started.
        expect(resumed[0]).toBe(500);
        expect(resumed).toEqual([...Array(count - 500).keys()].map((offset) => 500 + offset));
        // The redelivery after a crash is an attempt, as for any job.
        expect([...attempts]).toEqual([2]);
      } finally {
        fixtureProcess.killIfRunning();
        await hopper.close();
      }
    });
  });
}
