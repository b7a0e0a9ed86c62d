import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { createConsoleLogger, type DeadLetters } from "@hopper/core";
import type { QueueStats } from "@hopper/core/backend";
import { deadLetterKinds } from "./job-mix.js";
import { LedgerWatch } from "./ledger-watch.js";
import { Producer } from "./producer.js";
import { connectionVariable, openReliabilityHopper, type ReliabilityConnection } from "./reliability-hopper.js";
import { reliabilityJobClasses } from "./reliability-job.js";
import type { RestartableServer } from "./reliability-servers.js";
import { analyzeRuns, type RunAnalysis } from "./run-analysis.js";
import { unexpectedErrorLines } from "./worker-error-lines.js";
import { WorkerProcess } from "./worker-process.js";

export interface CrashScenarioOptions {
  readonly connection: ReliabilityConnection;
  readonly jobs: number;
  readonly workers: number;
  /** Worker faults (SIGKILL or SIGTERM) spread over the run. */
  readonly kills: number;
  /** Share of the worker faults that are SIGTERM (a graceful stop under load) rather than SIGKILL. */
  readonly sigtermShare: number;
  /** Crashed in the middle of a bulk enqueue, and started again a second later. */
  readonly server?: RestartableServer;
  /** Without a server to crash: another fault landed in the middle of a bulk enqueue (a slot migration), while workers receive. */
  readonly midBatchFault?: (queue: string) => Promise<void>;
  /** Worker lease; a killed worker's jobs come back after it. */
  readonly lease: string;
  readonly leaseMs: number;
  /** Enqueuing goes on for this long, while the faults land. */
  readonly produceMs: number;
  readonly timeoutMs: number;
}

export interface CrashReport extends RunAnalysis {
  readonly jobs: number;
  /** Ids the producer's enqueue calls resolved with (all owed). */
  readonly owed: number;
  readonly completed: number;
  readonly rejectedCalls: number;
  readonly rejectedJobs: number;
  readonly deduplicated: number;
  readonly rejectionSample: string[];
  readonly sigkills: number;
  readonly sigterms: number;
  readonly workerStarts: number;
  readonly serverCrashes: number;
  /** Mid-batch faults other than a server crash that ran to the end. */
  readonly otherFaults: number;
  readonly runMs: number;
  /** From the server answering again to the next completion in the ledger. */
  readonly serverRecoveryMs: number | undefined;
  /** Longest time with no completion at all (kills, restarts, lease expiries). */
  readonly longestStallMs: number;
  readonly deadLetters: number;
  /** Queue stats once every worker stopped; undefined where the backend has none. */
  readonly finalStats: QueueStats | undefined;
  readonly workerErrorLines: number;
  /** Error lines the fault injection does not explain: the run fails on any. */
  readonly unexpectedErrorLines: string[];
  /** Each worker's error lines that name a job of the overlap or overdue samples, with the worker's ledger file and when the line arrived. */
  readonly sampledJobErrorLines: string[];
  /** Worker processes that exited without being killed (a crash of their own). */
  readonly workerSelfCrashes: number;
}

interface LedgeredWorker {
  readonly process: WorkerProcess;
  readonly ledgerFile: string;
}

/**
 * Runs the realistic job mix (job-mix.ts) on `workers` child processes while
 * the producer keeps enqueueing: workers are SIGKILLed or SIGTERMed at random
 * and replaced, the server is crashed once in the middle of a bulk enqueue.
 * Waits until every owed job completed (or, for the doomed share, failed),
 * reads the dead letters with a real wait, lets the queue settle, stops every
 * worker with SIGTERM and reads the final stats and the merged ledger.
 */
export async function runCrashScenario(options: CrashScenarioOptions): Promise<CrashReport> {
  const queue = `crash-${randomBytes(4).toString("hex")}`;
  const ledgerDirectory = mkdtempSync(join(tmpdir(), "hopper-ledger-"));
  const classes = reliabilityJobClasses(queue, undefined);
  // With a server to crash: an outage longer than this rejects enqueue calls (not owed), shorter ones are waited out (owed).
  // Without one, the default bound: a loaded emulator's slow answer is no fault of this run.
  const hopper = await openReliabilityHopper(options.connection, Object.values(classes), createConsoleLogger("silent"), options.server ? { connectTimeout: "500ms" } : {});
  const ledger = new LedgerWatch();
  const workers: LedgeredWorker[] = [];
  const allWorkers: LedgeredWorker[] = [];
  const exitedAt = new Map<string, number>();
  const gracefullyStopped = new Map<string, number>();
  const outages: { from: number; to: number }[] = [];
  const stops: Promise<void>[] = [];
  let workerStarts = 0;
  const startWorker = (): LedgeredWorker => {
    const ledgerFile = join(ledgerDirectory, `worker-${workerStarts++}.ledger`);
    ledger.add(ledgerFile);
    const child = new WorkerProcess({ [connectionVariable]: JSON.stringify(options.connection), RELIABILITY_QUEUE: queue, RELIABILITY_LEDGER: ledgerFile, RELIABILITY_LEASE: options.lease, RELIABILITY_MIX: "realistic" });
    void child.exited.then(() => exitedAt.set(ledgerFile, Date.now()));
    const worker = { process: child, ledgerFile };
    allWorkers.push(worker);
    return worker;
  };
  const stopGracefully = (worker: LedgeredWorker) => {
    gracefullyStopped.set(worker.ledgerFile, Date.now());
    // Past the worker's 5 s shutdown timeout and a loaded machine's slack: a stop() that never resolves is SIGKILLed and shows as unfinished.
    return worker.process.kill("SIGTERM", 30_000);
  };
  try {
    const backend = await hopper.backend;
    const capabilities = backend.capabilities;
    const producer = new Producer({
      classes,
      mix: { leaseMs: options.leaseMs, ordering: capabilities.ordering, deduplication: capabilities.deduplication, keyPrefix: `${queue}:` },
      jobs: options.jobs,
      spreadMs: options.produceMs,
      midBatchJobs: 500,
      ...(options.server && { midBatch: (batch) => crashServer(batch) }),
      ...(!options.server && options.midBatchFault && { midBatch: (batch) => injectFault(batch) }),
    });

    let serverCrashes = 0;
    let serverDown = false;
    let serverUpAt: number | undefined;
    let serverRecoveryMs: number | undefined;
    let restart: Promise<void> = Promise.resolve();
    const crashServer = async (batch: Promise<unknown>) => {
      // The batch is on its way: the crash lands while it is written (or just after).
      void batch.catch(() => {});
      await sleep(Math.random() * 20);
      serverDown = true;
      const from = Date.now();
      await options.server!.crash();
      serverCrashes += 1;
      restart = (async () => {
        await sleep(1000);
        await options.server!.start();
        serverUpAt = Date.now();
        outages.push({ from, to: serverUpAt });
        serverDown = false;
        ledger.poll(); // completions written before the crash are not a recovery
      })();
    };

    let otherFaults = 0;
    const injectFault = async (batch: Promise<unknown>) => {
      void batch.catch(() => {});
      restart = options.midBatchFault!(queue).then(() => void (otherFaults += 1));
    };

    const runStarted = Date.now();
    for (let index = 0; index < options.workers; index++) workers.push(startWorker());
    const deadline = runStarted + options.timeoutMs;
    let producing = true;
    const production = producer.run().finally(() => (producing = false));
    const settled = () => {
      if (producing) return false;
      for (const [id, kind] of producer.owed) {
        if (deadLetterKinds.includes(kind) ? !ledger.failed.has(id) : !ledger.completions.has(id)) return false;
      }
      return true;
    };
    const timedOut = () => Date.now() > deadline;

    let sigkills = 0;
    let sigterms = 0;
    const chaos = (async () => {
      while (sigkills + sigterms < options.kills && !timedOut() && (producing || !settled())) {
        await sleep(300 + Math.random() * 900);
        if (serverDown) continue; // a stop during the outage could not ack: that is the crash's doing, not SIGTERM's
        const slot = Math.floor(Math.random() * workers.length);
        const worker = workers[slot]!;
        if (Math.random() < options.sigtermShare) {
          // A rolling deploy: the old worker drains while its replacement starts.
          stops.push(stopGracefully(worker));
          sigterms += 1;
          workers[slot] = startWorker();
        } else {
          await worker.process.kill("SIGKILL");
          sigkills += 1;
          await sleep(50 + Math.random() * 450);
          workers[slot] = startWorker();
        }
      }
    })();

    while (!timedOut() && !settled()) {
      await sleep(100);
      const added = ledger.poll();
      if (serverUpAt !== undefined && serverRecoveryMs === undefined && added > 0) serverRecoveryMs = Date.now() - serverUpAt;
    }
    await production;
    await chaos;
    await restart;

    const deadLetters = await readDeadLetters(hopper.deadLetters(queue), [...producer.owed].filter(([, kind]) => deadLetterKinds.includes(kind)).length);
    // Retry copies and duplicates still queued run now, while the workers are up.
    await waitForStats(backend.stats?.bind(backend), queue, 30_000);
    await Promise.all(workers.map(stopGracefully));
    await Promise.all(stops);
    const finalStats = await backend.stats?.(queue);
    const runMs = Date.now() - runStarted;
    ledger.poll();

    const analysis = analyzeRuns({ events: ledger.events, owed: producer.owed, deadLetters, exitedAt, gracefullyStopped, outages });
    const errorLines = allWorkers.flatMap((worker) => worker.process.errorLines);
    return {
      ...analysis,
      jobs: options.jobs,
      owed: producer.owed.size,
      completed: ledger.completed,
      rejectedCalls: producer.rejectedCalls,
      rejectedJobs: producer.rejectedJobs,
      deduplicated: producer.deduplicated,
      rejectionSample: producer.rejections,
      sigkills,
      sigterms,
      workerStarts,
      serverCrashes,
      otherFaults,
      runMs,
      serverRecoveryMs,
      longestStallMs: ledger.longestStallMs,
      deadLetters: deadLetters.length,
      finalStats,
      workerErrorLines: errorLines.length,
      unexpectedErrorLines: unexpectedErrorLines(errorLines, { serverCrashed: serverCrashes > 0, slotMoved: otherFaults > 0 }).slice(0, 10).map((line) => line.slice(0, 400)),
      sampledJobErrorLines: linesNaming(analysis.sampledJobIds, allWorkers),
      workerSelfCrashes: allWorkers.filter((worker) => worker.process.crashedOnItsOwn).length,
    };
  } finally {
    await Promise.all(allWorkers.map((worker) => worker.process.kill("SIGKILL")));
    await hopper.close();
    rmSync(ledgerDirectory, { recursive: true, force: true });
  }
}

/** What workers said about these jobs: the ledger shows when runs overlapped, these lines why a run ended. */
function linesNaming(jobIds: readonly string[], workers: readonly LedgeredWorker[]): string[] {
  if (jobIds.length === 0) return [];
  return workers
    .flatMap(({ process, ledgerFile }) =>
      process.errorLines.flatMap((line, index) => (jobIds.some((id) => line.includes(id)) ? [{ at: process.errorLineTimes[index]!, text: `${ledgerFile.split("/").pop()} ${process.errorLineTimes[index]}: ${line.slice(0, 400)}` }] : [])),
    )
    .sort((a, b) => a.at - b.at)
    .slice(0, 20)
    .map((line) => line.text);
}

/**
 * Takes dead letters until `expected` arrived (a real wait: dead-lettering runs in
 * the workers, after the failing run), then once more to catch extra copies.
 */
async function readDeadLetters(deadLetters: DeadLetters, expected: number): Promise<{ id: string; kind: string | undefined }[]> {
  const letters: { id: string; kind: string | undefined }[] = [];
  const deadline = Date.now() + 60_000;
  const take = async (waitMs: number) => {
    for (const letter of await deadLetters.take({ max: 100, waitMs })) {
      letters.push({ id: letter.envelope?.id ?? letter.id, kind: (letter.envelope?.args as { kind?: string } | undefined)?.kind });
    }
  };
  while (new Set(letters.map((letter) => letter.id)).size < expected && Date.now() < deadline) await take(1000);
  await take(2000);
  return letters;
}

/** Waits until the queue shows nothing ready, delayed or in flight (or the bound passes). */
async function waitForStats(stats: ((queue: string) => Promise<QueueStats>) | undefined, queue: string, boundMs: number): Promise<void> {
  if (!stats) return;
  const deadline = Date.now() + boundMs;
  while (Date.now() < deadline) {
    const current = await stats(queue).catch(() => undefined);
    if (current && current.ready === 0 && current.delayed === 0 && current.inFlight === 0) return;
    await sleep(250);
  }
}
