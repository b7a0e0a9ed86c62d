import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { createConsoleLogger, createHopper } from "@hopper/core";
import { LedgerWatch } from "./ledger-watch.js";
import { reliabilityJobClass } from "./reliability-job.js";
import type { RestartableServer } from "./reliability-servers.js";
import { WorkerProcess } from "./worker-process.js";

export interface CrashScenarioOptions {
  readonly url: string;
  readonly jobs: number;
  readonly workers: number;
  /** SIGKILLs spread over the run (fewer when the jobs finish first). */
  readonly kills: number;
  /** Crashed and started again once, when half the jobs are done. */
  readonly server?: RestartableServer;
  /** Worker lease; a killed worker's jobs come back after it. */
  readonly lease: string;
  readonly timeoutMs: number;
}

export interface CrashReport {
  readonly jobs: number;
  readonly completed: number;
  readonly missing: number[];
  readonly duplicates: number;
  readonly kills: number;
  readonly workerStarts: number;
  readonly serverRestarts: number;
  readonly enqueueMs: number;
  readonly runMs: number;
  /** From the server answering again to the next completion in the ledger. */
  readonly serverRecoveryMs: number | undefined;
  /** Longest time with no completion at all (kills, restarts, lease expiries). */
  readonly longestStallMs: number;
  readonly deadLetters: number;
  readonly workerErrorLines: number;
  /** Worker processes that exited without being killed (a crash of their own). */
  readonly workerSelfCrashes: number;
  /** A few of those lines, to diagnose: the last words of self-crashed workers first. */
  readonly workerErrorSample: string[];
}

/**
 * Enqueues `jobs` jobs, runs them on `workers` child processes that are
 * SIGKILLed at random moments and started again, crashes the server once
 * mid-run when it can, and waits until the ledger shows every job done.
 */
export async function runCrashScenario(options: CrashScenarioOptions): Promise<CrashReport> {
  const queue = `crash-${randomBytes(4).toString("hex")}`;
  const ledgerDirectory = mkdtempSync(join(tmpdir(), "hopper-ledger-"));
  const ReliabilityJob = reliabilityJobClass(queue, undefined);
  const hopper = createHopper({ url: options.url, jobs: [ReliabilityJob], logger: createConsoleLogger("silent") });
  const ledger = new LedgerWatch();
  const workers: WorkerProcess[] = [];
  const allWorkers: WorkerProcess[] = [];
  let workerStarts = 0;
  const startWorker = (): WorkerProcess => {
    const ledgerFile = join(ledgerDirectory, `worker-${workerStarts++}.ledger`);
    ledger.add(ledgerFile);
    const worker = new WorkerProcess({ RELIABILITY_URL: options.url, RELIABILITY_QUEUE: queue, RELIABILITY_LEDGER: ledgerFile, RELIABILITY_LEASE: options.lease });
    allWorkers.push(worker);
    return worker;
  };
  try {
    const enqueueStarted = Date.now();
    for (let from = 0; from < options.jobs; from += 1000) {
      const count = Math.min(1000, options.jobs - from);
      await ReliabilityJob.performAllLater(Array.from({ length: count }, (_, index) => ({ n: from + index })));
    }
    const enqueueMs = Date.now() - enqueueStarted;

    const runStarted = Date.now();
    for (let index = 0; index < options.workers; index++) workers.push(startWorker());
    const deadline = runStarted + options.timeoutMs;
    const done = () => ledger.completed >= options.jobs || Date.now() > deadline;

    let kills = 0;
    const chaos = (async () => {
      // Spread the kills over the expected run, but never wait so long the run ends first.
      while (!done() && kills < options.kills) {
        await sleep(300 + Math.random() * 900);
        if (done()) break;
        const slot = Math.floor(Math.random() * workers.length);
        await workers[slot]!.kill("SIGKILL");
        kills += 1;
        await sleep(50 + Math.random() * 450);
        workers[slot] = startWorker();
      }
    })();

    let serverRestarts = 0;
    let serverUpAt: number | undefined;
    let serverRecoveryMs: number | undefined;
    while (!done()) {
      await sleep(100);
      const added = ledger.poll();
      if (serverUpAt !== undefined && serverRecoveryMs === undefined && added > 0) serverRecoveryMs = Date.now() - serverUpAt;
      if (options.server && serverRestarts === 0 && ledger.completed >= options.jobs / 2) {
        await options.server.crash();
        await sleep(1000);
        await options.server.start();
        serverUpAt = Date.now();
        serverRestarts += 1;
        ledger.poll(); // completions written before the crash are not a recovery
      }
    }
    await chaos;
    const runMs = Date.now() - runStarted;
    await Promise.all(workers.map((worker) => worker.kill("SIGTERM")));
    ledger.poll();
    const deadLetters = await hopper.deadLetters(queue).peek({ max: 10 });
    return {
      jobs: options.jobs,
      completed: ledger.completed,
      missing: ledger.missing(options.jobs).slice(0, 20),
      duplicates: ledger.duplicates,
      kills,
      workerStarts,
      serverRestarts,
      enqueueMs,
      runMs,
      serverRecoveryMs,
      longestStallMs: ledger.longestStallMs,
      deadLetters: deadLetters.length,
      workerErrorLines: allWorkers.reduce((sum, worker) => sum + worker.errorLines.length, 0),
      workerSelfCrashes: allWorkers.filter((worker) => worker.crashedOnItsOwn).length,
      workerErrorSample: [...allWorkers.filter((worker) => worker.crashedOnItsOwn).flatMap((worker) => worker.errorLines.slice(-8)), ...allWorkers.flatMap((worker) => worker.errorLines)].slice(0, 8).map((line) => line.slice(0, 300)),
    };
  } finally {
    await Promise.all(allWorkers.map((worker) => worker.kill("SIGKILL")));
    await hopper.close();
    rmSync(ledgerDirectory, { recursive: true, force: true });
  }
}
