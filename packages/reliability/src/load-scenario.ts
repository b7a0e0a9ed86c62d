import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { createConsoleLogger, createHopper } from "@hopper/core";
import { LedgerWatch } from "./ledger-watch.js";
import { reliabilityJobClass } from "./reliability-job.js";
import { WorkerProcess } from "./worker-process.js";

/**
 * Bound on each untimed drain (after calibration, after the load). Generous:
 * on this shared 2-core machine one CI run's Postgres backlog took over 60 s
 * (cause not pinned down: the claim plan stays index-ordered before ANALYZE).
 * Every job must still complete; only the wait is long.
 */
const drainBoundMs = 120_000;

export interface LoadScenarioOptions {
  readonly url: string;
  /** Jobs in the calibration burst that measures capacity (and warms the worker up). */
  readonly calibrationJobs: number;
  /** Fraction of the measured capacity to sustain. */
  readonly loadFactor: number;
  readonly seconds: number;
  readonly concurrency: number;
}

export interface LoadReport {
  readonly capacityPerSecond: number;
  readonly targetPerSecond: number;
  readonly enqueuedPerSecond: number;
  readonly enqueued: number;
  readonly completed: number;
  readonly enqueueErrors: number;
  readonly workerErrorLines: string[];
  /** Heap after GC at the end of warm-up (calibration plus the first third of the load). */
  readonly heapBaselineBytes: number;
  /** Largest heap sample after warm-up minus the baseline. */
  readonly heapGrowthBytes: number;
  readonly rssStartBytes: number;
  readonly rssEndBytes: number;
  readonly memorySamples: number;
  readonly drainMs: number;
  readonly deadLetters: number;
}

/**
 * One worker child process; a burst measures how fast it drains the backend;
 * then the test process enqueues at `loadFactor` of that rate for `seconds`
 * while the child reports its heap (after a full GC) every second.
 */
export async function runLoadScenario(options: LoadScenarioOptions): Promise<LoadReport> {
  const queue = `load-${randomBytes(4).toString("hex")}`;
  const ledgerDirectory = mkdtempSync(join(tmpdir(), "hopper-ledger-"));
  const ledgerFile = join(ledgerDirectory, "worker.ledger");
  const ReliabilityJob = reliabilityJobClass(queue, undefined);
  const hopper = createHopper({ url: options.url, jobs: [ReliabilityJob], logger: createConsoleLogger("silent") });
  const ledger = new LedgerWatch(false);
  ledger.add(ledgerFile);
  const worker = new WorkerProcess(
    { RELIABILITY_URL: options.url, RELIABILITY_QUEUE: queue, RELIABILITY_LEDGER: ledgerFile, RELIABILITY_MEMORY_MS: "1000", RELIABILITY_CONCURRENCY: String(options.concurrency) },
    { exposeGc: true },
  );
  let sent = 0;
  let enqueueErrors = 0;
  const enqueue = async (count: number) => {
    const from = sent;
    sent += count;
    try {
      await ReliabilityJob.performAllLater(Array.from({ length: count }, (_, index) => ({ n: from + index })));
    } catch {
      enqueueErrors += 1;
    }
  };
  const waitForCompletions = async (count: number, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (ledger.poll() >= 0 && ledger.completed < count && Date.now() < deadline) await sleep(50);
  };
  try {
    await worker.ready;
    for (let from = 0; from < options.calibrationJobs; from += 1000) await enqueue(Math.min(1000, options.calibrationJobs - from));
    const drainStarted = Date.now();
    await waitForCompletions(sent, drainBoundMs);
    const capacityPerSecond = Math.round((ledger.completed / Math.max(1, Date.now() - drainStarted)) * 1000);
    const targetPerSecond = Math.max(1, Math.round(capacityPerSecond * options.loadFactor));

    const loadStarted = Date.now();
    const loadEnds = loadStarted + options.seconds * 1000;
    const warmUpEnds = loadStarted + (options.seconds * 1000) / 3;
    const sentBeforeLoad = sent;
    while (Date.now() < loadEnds) {
      const due = Math.floor(((Date.now() - loadStarted) / 1000) * targetPerSecond) - (sent - sentBeforeLoad);
      if (due > 0) await enqueue(Math.min(due, 1000));
      else await sleep(20);
      ledger.poll();
    }
    const enqueuedPerSecond = Math.round(((sent - sentBeforeLoad) / (Date.now() - loadStarted)) * 1000);
    const drainFrom = Date.now();
    await waitForCompletions(sent, drainBoundMs);
    const drainMs = Date.now() - drainFrom;
    await worker.kill("SIGTERM");
    ledger.poll();

    const samples = worker.memory.filter((sample) => sample.at >= loadStarted);
    const baseline = samples.find((sample) => sample.at >= warmUpEnds) ?? samples[samples.length - 1];
    const afterWarmUp = samples.filter((sample) => baseline && sample.at >= baseline.at);
    const deadLetters = await hopper.deadLetters(queue).peek({ max: 10 });
    return {
      capacityPerSecond,
      targetPerSecond,
      enqueuedPerSecond,
      enqueued: sent,
      completed: ledger.completed,
      enqueueErrors,
      workerErrorLines: worker.errorLines.slice(0, 5),
      heapBaselineBytes: baseline?.heapUsed ?? 0,
      heapGrowthBytes: Math.max(0, ...afterWarmUp.map((sample) => sample.heapUsed)) - (baseline?.heapUsed ?? 0),
      rssStartBytes: samples[0]?.rss ?? 0,
      rssEndBytes: samples[samples.length - 1]?.rss ?? 0,
      memorySamples: samples.length,
      drainMs,
      deadLetters: deadLetters.length,
    };
  } finally {
    await worker.kill("SIGKILL");
    await hopper.close();
    rmSync(ledgerDirectory, { recursive: true, force: true });
  }
}
