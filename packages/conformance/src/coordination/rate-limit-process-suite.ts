import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { createConsoleLogger, createHopper, Job, type Hopper } from "@hopper/core";
import { loadCoordinationStore, type CoordinationStoreSource } from "./coordination-source.js";
import { busiestSpan } from "./rate-windows.js";

export interface RateLimitProcessSuiteOptions {
  readonly name: string;
  readonly backendUrl: string;
  readonly coordination: CoordinationStoreSource;
}

const fixture = fileURLToPath(new URL("./test-rate-limit-process.ts", import.meta.url));
const repositoryRoot = fileURLToPath(new URL("../../../../", import.meta.url));
const limit = 200;
const burst = 5;
const processes = 4;
// HOPPER_RATE_ACCURACY_SECONDS=30 is the full run (on a quiet machine); CI runs 5 s.
const fullRun = process.env.HOPPER_RATE_ACCURACY_SECONDS !== undefined;
const seconds = Number(process.env.HOPPER_RATE_ACCURACY_SECONDS ?? 5);

/**
 * Issue #21's accuracy check: 4 worker processes share one limit of 200 starts a second with a
 * burst of 5. What is counted is the store's own decisions: every slot it granted, with when that
 * slot starts on the store's clock (each worker records them as the store answers). No 1 s span of
 * them may hold more than the documented `limit + burst − 1`, exactly, with no allowance for a
 * loaded machine: the decisions do not depend on how fast anything ran. Every job ran (perform
 * starts are recorded too, and reported, not asserted: they lag their slots by the machine's load).
 * In the full run the `limit × seconds` jobs start within 5% of `seconds` (the limit is reached,
 * not only respected); precise rates belong in the benchmark app.
 */
export function runRateLimitProcessSuite(options: RateLimitProcessSuiteOptions): void {
  describe(`${options.name}: a rate limit of ${limit}/s across ${processes} worker processes`, () => {
    const queue = `rate-${randomUUID().slice(0, 8)}`;
    const recordFile = path.join(tmpdir(), `hopper-${queue}.jsonl`);
    const admissionsFile = path.join(tmpdir(), `hopper-${queue}-admissions.jsonl`);
    const workers: ChildProcess[] = [];
    let producer: Hopper | undefined;

    afterAll(async () => {
      for (const child of workers) {
        child.removeAllListeners("exit");
        child.kill("SIGKILL");
      }
      await producer?.close();
      rmSync(recordFile, { force: true });
      rmSync(admissionsFile, { force: true });
    });

    const lines = <T>(file: string): T[] => {
      if (!existsSync(file)) return [];
      const text = readFileSync(file, "utf8");
      return text.slice(0, text.lastIndexOf("\n") + 1).split("\n").filter(Boolean).map((line) => JSON.parse(line) as T);
    };
    const starts = () => lines<{ jobId: string; at: number }>(recordFile);

    it(`starts ${limit * seconds} jobs over ${seconds} s; the store grants no more than limit + burst − 1 slots in any 1 s`, { timeout: (seconds * 4 + 120) * 1000 }, async () => {
      class LimitedJob extends Job<Record<string, never>> {
        static override queue = queue;
        static override rateLimit = { limit, per: "1s", burst };
        async perform() {}
      }
      producer = createHopper({ url: options.backendUrl, jobs: [LimitedJob], coordination: await loadCoordinationStore(options.coordination), logger: createConsoleLogger("error") });
      const total = limit * seconds;
      for (let sent = 0; sent < total; sent += 500) await producer.enqueueAll(LimitedJob, Array.from({ length: Math.min(500, total - sent) }, () => ({})));
      const spawnWorker = (): Promise<ChildProcess> => {
        const child = spawn(process.execPath, ["--conditions=@hopper/source", "--import", "tsx", fixture], {
          cwd: repositoryRoot,
          env: { ...process.env, HOPPER_URL: options.backendUrl, COORDINATION_SOURCE: JSON.stringify(options.coordination), FIXTURE_QUEUE: queue, RECORD_FILE: recordFile, ADMISSIONS_FILE: admissionsFile, RATE_LIMIT: String(limit), RATE_BURST: String(burst) },
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

      expect(new Set(starts().map((start) => start.jobId)).size).toBe(total);
      const admissions = lines<{ startsAtMs: number }>(admissionsFile);
      // Every job took a slot; a few more when a copy ran twice (a lease lost while waiting), never fewer.
      expect(admissions.length).toBeGreaterThanOrEqual(total);
      for (const admission of admissions) expect(Number.isFinite(admission.startsAtMs), JSON.stringify(admission)).toBe(true);
      const slots = admissions.map((admission) => admission.startsAtMs);
      const busiest = busiestSpan(slots, 1000);
      const times = starts().map((start) => start.at);
      console.info(`[rate-limit accuracy] ${options.name}: ${admissions.length} slots granted, busiest 1 s of them ${busiest} (limit ${limit}, burst ${burst}); perform starts: busiest 1 s ${busiestSpan(times, 1000)}, over ${((Math.max(...times) - Math.min(...times)) / 1000).toFixed(2)} s`);
      expect(busiest).toBeLessThanOrEqual(limit + burst - 1);
      // Never faster than the limit: GCRA spaces the n-th slot after the first by at least (n − burst) intervals.
      const slotSpanMs = Math.max(...slots) - Math.min(...slots);
      expect(Math.round(slotSpanMs * 1000)).toBeGreaterThanOrEqual(Math.round(((admissions.length - burst) * 1000 * 1000) / limit));
      // Useful (full run only, as it measures the workers' pace too): the limit is reached.
      if (fullRun) expect(slotSpanMs / 1000).toBeLessThanOrEqual(((total - 1) / limit) * 1.05);
    });
  });
}
