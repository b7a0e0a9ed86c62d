import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { createConsoleLogger, createHopper, Job, type Hopper } from "@hopper/core";
import { loadCoordinationStore, type CoordinationStoreSource } from "./coordination-source.js";

export interface RateLimitProcessSuiteOptions {
  readonly name: string;
  readonly backendUrl: string;
  readonly coordination: CoordinationStoreSource;
}

const fixture = fileURLToPath(new URL("./test-rate-limit-process.ts", import.meta.url));
const repositoryRoot = fileURLToPath(new URL("../../../../", import.meta.url));
const limit = 200;
const processes = 4;
// HOPPER_RATE_ACCURACY_SECONDS=30 is the full run (on a quiet machine); CI runs 5 s.
const fullRun = process.env.HOPPER_RATE_ACCURACY_SECONDS !== undefined;
const seconds = Number(process.env.HOPPER_RATE_ACCURACY_SECONDS ?? 5);
// Starts are recorded when perform begins, which lags the slot the store granted by the store's
// answer and the timer; on a loaded machine a process stalled for 0.1–0.2 s pushes a batch of
// starts into the next window. The store's own bound (limit + burst − 1) is the store suite's.
const startLagSlack = 1.25;

/**
 * Issue #21's accuracy check with generous bounds: 4 worker processes share one limit of 200
 * starts a second; every 1 s window of starts stays within the burst bound (limit + burst − 1,
 * burst 1, with slack for starts lagging their slots), the run is never faster than the limit
 * allows, and in the full run it starts `limit × seconds` jobs in `seconds` within 5% (the limit
 * is reached, not only respected). Precise rates belong in the benchmark app.
 */
export function runRateLimitProcessSuite(options: RateLimitProcessSuiteOptions): void {
  describe(`${options.name}: a rate limit of ${limit}/s across ${processes} worker processes`, () => {
    const queue = `rate-${randomUUID().slice(0, 8)}`;
    const recordFile = path.join(tmpdir(), `hopper-${queue}.jsonl`);
    const workers: ChildProcess[] = [];
    let producer: Hopper | undefined;

    afterAll(async () => {
      for (const child of workers) {
        child.removeAllListeners("exit");
        child.kill("SIGKILL");
      }
      await producer?.close();
      rmSync(recordFile, { force: true });
    });

    const starts = (): { jobId: string; at: number }[] => {
      if (!existsSync(recordFile)) return [];
      const text = readFileSync(recordFile, "utf8");
      return text.slice(0, text.lastIndexOf("\n") + 1).split("\n").filter(Boolean).map((line) => JSON.parse(line) as { jobId: string; at: number });
    };

    it(`starts ${limit * seconds} jobs over ${seconds} s, no 1 s window above the bound`, { timeout: (seconds * 4 + 120) * 1000 }, async () => {
      class LimitedJob extends Job<Record<string, never>> {
        static override queue = queue;
        static override rateLimit = { limit, per: "1s" };
        async perform() {}
      }
      producer = createHopper({ url: options.backendUrl, jobs: [LimitedJob], coordination: await loadCoordinationStore(options.coordination), logger: createConsoleLogger("error") });
      const total = limit * seconds;
      for (let sent = 0; sent < total; sent += 500) await producer.enqueueAll(LimitedJob, Array.from({ length: Math.min(500, total - sent) }, () => ({})));
      const spawnWorker = (): Promise<ChildProcess> => {
        const child = spawn(process.execPath, ["--conditions=@hopper/source", "--import", "tsx", fixture], {
          cwd: repositoryRoot,
          env: { ...process.env, HOPPER_URL: options.backendUrl, COORDINATION_SOURCE: JSON.stringify(options.coordination), FIXTURE_QUEUE: queue, RECORD_FILE: recordFile, RATE_LIMIT: String(limit) },
          stdio: ["ignore", "pipe", "inherit"],
        });
        workers.push(child);
        return new Promise((resolve, reject) => {
          child.once("exit", (code, signal) => reject(new Error(`worker exited early (${code ?? signal})`)));
          child.stdout!.setEncoding("utf8").on("data", (chunk: string) => chunk.includes("ready") && resolve(child));
        });
      };
      await Promise.all(Array.from({ length: processes }, spawnWorker));
      const deadline = Date.now() + (seconds * 3 + 60) * 1000;
      while (new Set(starts().map((start) => start.jobId)).size < total && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 250));

      const times = starts().map((start) => start.at).sort((a, b) => a - b);
      expect(new Set(starts().map((start) => start.jobId)).size).toBe(total);
      // Every 1 s window, sliding by 100 ms across the run.
      let busiest = 0;
      for (let from = times[0]!; from <= times.at(-1)!; from += 100) {
        const inWindow = times.filter((at) => at >= from && at < from + 1000).length;
        busiest = Math.max(busiest, inWindow);
      }
      console.info(`[rate-limit accuracy] ${options.name}: ${times.length} starts over ${((times.at(-1)! - times[0]!) / 1000).toFixed(2)} s, busiest 1 s window ${busiest} (limit ${limit})`);
      expect(busiest).toBeLessThanOrEqual(Math.ceil(limit * startLagSlack));
      // Correct: never faster than the limit allows. Useful (full run only, as it measures the workers' pace too): the limit is reached.
      const spanSeconds = (times.at(-1)! - times[0]!) / 1000;
      expect(spanSeconds).toBeGreaterThanOrEqual(((total - 1) / limit) * 0.95);
      if (fullRun) expect(spanSeconds).toBeLessThanOrEqual(((total - 1) / limit) * 1.05);
    });
  });
}
