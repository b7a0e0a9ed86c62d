import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { createConsoleLogger, createHopper } from "@hopper/core";
import { rollingDeployArgs, rollingDeployJobClass, rollingDeployVersions, type RollingDeployEvent, type RollingDeployVersion } from "./rolling-deploy-jobs.js";
import { WorkerProcess } from "./worker-process.js";

export interface RollingDeployOptions {
  readonly url: string;
  /** Jobs each producer version enqueues in each of the three phases. */
  readonly jobsPerPhase: number;
  /** How long each phase's enqueues are spread over. */
  readonly phaseMs: number;
  /** The workers' `newerVersionRetry`: how soon a held payload is offered again. */
  readonly newerVersionRetryMs: number;
  /** Bound on waiting for the last job after the last enqueue. */
  readonly drainTimeoutMs: number;
}

type PerVersion = Record<RollingDeployVersion, number>;

export interface RollingDeployReport {
  readonly produced: PerVersion;
  /** Runs (first runs and repeats) per worker version. */
  readonly runsByWorker: PerVersion;
  /** Runs of an older payload on a newer worker, through `static upgrades`. */
  readonly upgradedRuns: number;
  /** Runs on a worker older than the payload: must be 0 (the payload is held back instead). */
  readonly runsOnOlderWorker: number;
  /** Times a worker held a payload back as too new, per worker version. */
  readonly holdsByWorker: PerVersion;
  /** Jobs held back at least once. */
  readonly heldJobs: number;
  /** Held jobs with no run afterwards (part of `lost` too). */
  readonly heldNeverRun: number;
  /** From a job's first hold to its run, the longest. */
  readonly longestHoldMs: number;
  /** Most times one job was held back (each hold offers it again after `newerVersionRetry`). */
  readonly mostHoldsOfOneJob: number;
  readonly lost: number;
  readonly lostSample: number[];
  readonly duplicates: number;
  /** Runs whose args were not the shape of the worker's own version. */
  readonly violations: string[];
  readonly deadLetters: number;
  readonly workerErrorLines: number;
  readonly workerSelfCrashes: number;
  readonly workerErrorSample: string[];
  /** From the first worker starting to the last job run. */
  readonly runMs: number;
  /** From the last enqueue to the last job run. */
  readonly drainMs: number;
}

interface DeployedWorker {
  readonly version: RollingDeployVersion;
  readonly process: WorkerProcess;
  readonly eventsFile: string;
}

const zero = (): PerVersion => ({ 1: 0, 2: 0, 3: 0 });

/**
 * A rolling deploy of three releases of one job on one queue: workers of v1 and
 * v2 run while producers of v1, v2 and v3 enqueue (v3's producers went out
 * first); then a v3 worker joins; then the v1 worker is retired (SIGTERM) while
 * v1 producers keep enqueuing. Every run and every hold is appended by the
 * workers to an events file of their own, outside the backend.
 */
export async function runRollingDeployScenario(options: RollingDeployOptions): Promise<RollingDeployReport> {
  const queue = `rolling-${randomBytes(4).toString("hex")}`;
  const directory = mkdtempSync(join(tmpdir(), "hopper-rolling-"));
  // One application per release, as each release's web servers would enqueue. A long
  // connectTimeout: on a loaded shared machine an emulator can take seconds to answer.
  const producers = new Map(
    rollingDeployVersions.map((version) => {
      const jobClass = rollingDeployJobClass(version, queue, undefined);
      return [version, { jobClass, hopper: createHopper({ url: options.url, jobs: [jobClass], logger: createConsoleLogger("silent"), connectTimeout: "30s" }) }] as const;
    }),
  );
  const producedBy = new Map<number, RollingDeployVersion>();
  const workers: DeployedWorker[] = [];
  const deploy = async (version: RollingDeployVersion) => {
    const eventsFile = join(directory, `worker-v${version}.events`);
    const process = new WorkerProcess(
      { RELIABILITY_URL: options.url, RELIABILITY_QUEUE: queue, ROLLING_VERSION: String(version), ROLLING_EVENTS: eventsFile, ROLLING_NEWER_VERSION_RETRY_MS: String(options.newerVersionRetryMs) },
      { entry: "test-rolling-deploy-worker.ts" },
    );
    workers.push({ version, process, eventsFile });
    await process.ready;
  };
  const produce = async () => {
    const rounds = 5;
    for (let round = 0; round < rounds; round++) {
      const share = Math.ceil(options.jobsPerPhase / rounds);
      await Promise.all(
        rollingDeployVersions.map((version) => {
          const from = producedBy.size;
          const numbers = Array.from({ length: share }, (_, index) => from + index);
          for (const n of numbers) producedBy.set(n, version);
          const { hopper, jobClass } = producers.get(version)!;
          return hopper.enqueueAll(jobClass, numbers.map((n) => rollingDeployArgs(version, n)));
        }),
      );
      await sleep(options.phaseMs / rounds);
    }
  };
  try {
    const started = Date.now();
    await Promise.all([deploy(1), deploy(2)]);
    await produce();
    await deploy(3);
    await produce();
    await workers.find((worker) => worker.version === 1)!.process.kill("SIGTERM");
    await produce();

    const drainStarted = Date.now();
    const deadline = drainStarted + options.drainTimeoutMs;
    let events = readEvents(workers);
    while (!allRun(events, producedBy) && Date.now() < deadline) {
      await sleep(250);
      events = readEvents(workers);
    }
    const runMs = Date.now() - started;
    const drainMs = Date.now() - drainStarted;
    await Promise.all(workers.map((worker) => worker.process.kill("SIGTERM")));
    events = readEvents(workers);
    const deadLetters = await producers.get(3)!.hopper.deadLetters(queue).peek({ max: 10 });
    return { ...summarize(events, producedBy, workers, deadLetters.length), runMs, drainMs };
  } finally {
    await Promise.all(workers.map((worker) => worker.process.kill("SIGKILL")));
    await Promise.all([...producers.values()].map(({ hopper }) => hopper.close()));
    rmSync(directory, { recursive: true, force: true });
  }
}

type WorkerEvent = RollingDeployEvent & { readonly worker: RollingDeployVersion };

function readEvents(workers: readonly DeployedWorker[]): WorkerEvent[] {
  return workers.flatMap(({ version, eventsFile }) => {
    if (!existsSync(eventsFile)) return [];
    const lines = readFileSync(eventsFile, "utf8").split("\n");
    lines.pop(); // empty after the last newline, or a line still being written
    return lines.map((line) => ({ ...(JSON.parse(line) as RollingDeployEvent), worker: version }));
  });
}

function allRun(events: readonly WorkerEvent[], producedBy: ReadonlyMap<number, RollingDeployVersion>): boolean {
  const run = new Set(events.flatMap((event) => (event.event === "run" ? [event.n] : [])));
  return [...producedBy.keys()].every((n) => run.has(n));
}

function summarize(events: readonly WorkerEvent[], producedBy: ReadonlyMap<number, RollingDeployVersion>, workers: readonly DeployedWorker[], deadLetters: number): Omit<RollingDeployReport, "runMs" | "drainMs"> {
  const produced = zero();
  for (const version of producedBy.values()) produced[version] += 1;
  const runsByWorker = zero();
  const holdsByWorker = zero();
  let upgradedRuns = 0;
  let runsOnOlderWorker = 0;
  const violations: string[] = [];
  const runCount = new Map<number, number>();
  const firstRunAt = new Map<string, number>();
  const firstHeldAt = new Map<string, number>();
  const holdsOf = new Map<string, number>();
  for (const event of events) {
    if (event.event === "held") {
      holdsByWorker[event.worker] += 1;
      firstHeldAt.set(event.jobId, Math.min(event.at, firstHeldAt.get(event.jobId) ?? Infinity));
      holdsOf.set(event.jobId, (holdsOf.get(event.jobId) ?? 0) + 1);
      continue;
    }
    runsByWorker[event.worker] += 1;
    runCount.set(event.n, (runCount.get(event.n) ?? 0) + 1);
    firstRunAt.set(event.jobId, Math.min(event.at, firstRunAt.get(event.jobId) ?? Infinity));
    const payloadVersion = producedBy.get(event.n);
    if (payloadVersion === undefined || payloadVersion > event.worker) runsOnOlderWorker += 1;
    else if (payloadVersion < event.worker) upgradedRuns += 1;
    if (event.violation) violations.push(`job ${event.n} (v${payloadVersion ?? "?"} payload) on the v${event.worker} worker: ${event.violation}`);
  }
  let longestHoldMs = 0;
  let heldNeverRun = 0;
  for (const [jobId, heldAt] of firstHeldAt) {
    const runAt = firstRunAt.get(jobId);
    if (runAt === undefined) heldNeverRun += 1;
    else longestHoldMs = Math.max(longestHoldMs, runAt - heldAt);
  }
  const lost = [...producedBy.keys()].filter((n) => !runCount.has(n));
  const processes = workers.map((worker) => worker.process);
  return {
    produced,
    runsByWorker,
    upgradedRuns,
    runsOnOlderWorker,
    holdsByWorker,
    heldJobs: firstHeldAt.size,
    heldNeverRun,
    longestHoldMs,
    mostHoldsOfOneJob: Math.max(0, ...holdsOf.values()),
    lost: lost.length,
    lostSample: lost.slice(0, 20),
    duplicates: [...runCount.values()].reduce((sum, count) => sum + count - 1, 0),
    violations,
    deadLetters,
    workerErrorLines: processes.reduce((sum, process) => sum + process.errorLines.length, 0),
    workerSelfCrashes: processes.filter((process) => process.crashedOnItsOwn).length,
    workerErrorSample: processes.flatMap((process) => process.errorLines).slice(0, 8).map((line) => line.slice(0, 300)),
  };
}
