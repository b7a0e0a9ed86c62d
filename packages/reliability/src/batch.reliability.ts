import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createConsoleLogger, createHopper, type Batch, type BatchStatus } from "@hopper/core";
import { batchJobClasses, type BatchChildArgs } from "./batch-jobs.js";
import { callbackFault, parseLedgers, readLedgerTexts } from "./batch-ledger.js";
import { recordResult } from "./reliability-report.js";
import { reliabilitySettings, selected } from "./reliability-settings.js";
import { reliabilityTargets } from "./reliability-targets.js";
import { WorkerProcess } from "./worker-process.js";

// A batch of N children (10,000; 50,000 in the full profile; RELIABILITY_BATCH_JOBS overrides) drains while worker
// processes are SIGKILLed; a second, small batch has dead children, so its onComplete fires and its onSuccess never.
const childCount = batchJobsSetting() ?? (reliabilitySettings.profile === "full" ? 50_000 : 10_000);
const kills = reliabilitySettings.profile === "full" ? 6 : 3;
const workerCount = 2;
/** Every 100th child fails its first attempt, and every 1000th adds a job to its own batch from inside its run. */
const childArgs = (n: number): BatchChildArgs => ({ n, ...(n % 100 === 7 && { flaky: 1 }), ...(n % 1000 === 3 && { adds: 1 }) });
const deadBatch = { children: 200, doomed: [11, 99, 150] };
// CI runs Redis's and PostgreSQL's (about 15 and 25 s here); a backend found failing goes back to the full profile only.
// The workers' lease is 5 s, as the crash run's: at 2 s a worker of the loaded shared machine stalled past it while
// holding a callback's run claim, and the callback ran twice (packages/reliability/README.md, "Known failures").
const batchBackends = ["redis", "postgres"];
const targets = reliabilityTargets.filter((target) => batchBackends.includes(target.name) && selected(target.name));

function batchJobsSetting(): number | undefined {
  const text = process.env.RELIABILITY_BATCH_JOBS;
  if (text === undefined || text === "") return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 1000) throw new Error(`RELIABILITY_BATCH_JOBS must be an integer ≥ 1000, got ${JSON.stringify(text)}`);
  return value;
}

describe(`a batch of ${childCount} draining while workers are SIGKILLed ${kills} times (profile ${reliabilitySettings.profile})`, () => {
  if (targets.length === 0) it.skip("redis and postgres (neither named by RELIABILITY_BACKENDS)", () => {});
  for (const target of targets) {
    it(`${target.name}: every child counted once, each callback enqueued once and succeeding once, nothing lost`, { timeout: 600_000 }, async () => {
      const backend = await target.open({ restartable: false });
      if (!backend) return;
      const directory = mkdtempSync(join(tmpdir(), "hopper-batch-"));
      const queue = `batch-${randomBytes(4).toString("hex")}`;
      const { BatchChild, OnSuccess, OnComplete } = batchJobClasses(queue, join(directory, "producer.ledger"));
      const hopper = createHopper({ url: backend.url, jobs: [BatchChild, OnSuccess, OnComplete], logger: createConsoleLogger("error") });
      const workers: WorkerProcess[] = [];
      /** Each worker's ledger file name. */
      const ledgerOf = new Map<string, WorkerProcess>();
      let started = 0;
      const start = () => {
        const ledger = `worker-${started++}.ledger`;
        const worker = new WorkerProcess({ RELIABILITY_URL: backend.url, RELIABILITY_QUEUE: queue, RELIABILITY_LEDGER: join(directory, ledger) }, { entry: "test-batch-worker.ts" });
        workers.push(worker);
        ledgerOf.set(ledger, worker);
        return worker;
      };
      const begunAt = Date.now();
      let passed = false;
      try {
        const big = await hopper.batch({ onSuccess: [OnSuccess, { batch: "big" }], onComplete: [OnComplete, { batch: "big" }], description: "reliability: big" });
        const ids: string[] = [];
        for (let from = 0; from < childCount; from += 1000) ids.push(...(await big.addAll(BatchChild, Array.from({ length: Math.min(1000, childCount - from) }, (_, index) => childArgs(from + index)))));
        await big.seal();
        const small = await hopper.batch({ onSuccess: [OnSuccess, { batch: "dead" }], onComplete: [OnComplete, { batch: "dead" }], description: "reliability: dead" });
        const smallIds = await small.addAll(BatchChild, Array.from({ length: deadBatch.children }, (_, n) => ({ n, ...(deadBatch.doomed.includes(n) && { doomed: true }) })));
        await small.seal();

        for (let index = 0; index < workerCount; index++) start();
        // SIGKILL a live worker each time another share of the big batch has finished, and start a fresh one.
        for (let kill = 1; kill <= kills; kill++) {
          await untilStatus(big, (status) => status.succeeded >= (childCount * kill) / (kills + 1), () => workers);
          const victim = workers.filter((worker) => worker.alive)[kill % workerCount]!;
          await victim.kill("SIGKILL");
          start();
        }
        const [bigStatus, smallStatus] = await Promise.all([
          untilStatus(big, (status) => status.callbacks.onSuccess === "succeeded" && status.callbacks.onComplete === "succeeded", () => workers),
          untilStatus(small, (status) => status.callbacks.onComplete === "succeeded", () => workers),
        ]);
        // The worker that ran the big batch's onComplete holds its ack, after its bookkeeping marked it succeeded
        // (test-batch-worker.ts): SIGKILL it there. The lease then redelivers the callback, and the copy must be acked unrun.
        const held = await untilLedgers(directory, "a worker holding the big batch's onComplete ack", (texts) => {
          for (const [file, text] of texts) {
            const line = /^h (\S+) /m.exec(text);
            if (line) return { file, jobId: line[1]! };
          }
          return undefined;
        });
        await ledgerOf.get(held.file)!.kill("SIGKILL");
        start();
        await untilLedgers(directory, `the redelivered copy of ${held.jobId} acked`, (texts) => [...texts.values()].some((text) => text.includes(`\na ${held.jobId} `) || text.startsWith(`a ${held.jobId} `)) || undefined);
        for (const worker of workers) await worker.kill("SIGTERM", 30_000);
        const drainedInMs = Date.now() - begunAt;

        const { jobs, added } = parseLedgers(readLedgerTexts(directory));
        const children = (members: readonly string[]) => members.map((id) => [id, jobs.get(id)] as const);
        // Every child ran; those added from inside a run too.
        const bigMembers = [...ids, ...added];
        expect(children(bigMembers).filter(([, ledger]) => !ledger?.successes).map(([id]) => id), "children of the big batch with no successful run").toEqual([]);
        expect(added.length).toBeGreaterThanOrEqual(Math.floor(childCount / 1000));
        // The batch counts each child once, however often it ran: its counts are the ledger's distinct outcomes.
        expect(bigStatus).toMatchObject({ sealed: true, total: bigMembers.length, pending: 0, succeeded: bigMembers.length, failed: 0, dead: 0 });
        const smallDead = smallIds.filter((_, n) => deadBatch.doomed.includes(n));
        expect(smallStatus).toMatchObject({ sealed: true, total: deadBatch.children, pending: 0, succeeded: deadBatch.children - smallDead.length, dead: smallDead.length, failed: 0 });
        expect([...smallStatus.deadJobIds].sort()).toEqual([...smallDead].sort());
        expect(children(smallIds.filter((id) => !smallDead.includes(id))).filter(([, ledger]) => !ledger?.successes)).toEqual([]);
        expect(smallStatus.callbacks).toEqual({ onSuccess: "waiting", onComplete: "succeeded" });

        // Each callback: one job id (derived from the batch and the kind) ever run, whose success was recorded once (batch-ledger.ts).
        const callbackRuns = (job: string) => [...jobs].filter(([, ledger]) => ledger.job === job);
        const onSuccessRuns = callbackRuns("batch-on-success");
        const onCompleteRuns = callbackRuns("batch-on-complete");
        expect(onSuccessRuns, "onSuccess: the big batch's only (the dead batch's never runs)").toHaveLength(1);
        expect(onCompleteRuns, "onComplete: one job per batch").toHaveLength(2);
        const faults = [...onSuccessRuns, ...onCompleteRuns].flatMap(([id, ledger]) => {
          const fault = callbackFault(ledger);
          return fault === undefined ? [] : [`${id} ${ledger.job}: ${fault}`];
        });
        expect(faults, "callbacks that did not succeed exactly once").toEqual([]);
        // Killed after its bookkeeping: its copy was dropped as already succeeded, never run again. The copy may come back
        // to the holding worker itself before the SIGKILL (its lease ran out while it held the ack): then it is acked there.
        const heldLedger = jobs.get(held.jobId)!;
        expect(heldLedger, "the big batch's onComplete, killed between its bookkeeping and its ack").toMatchObject({ job: "batch-on-complete", starts: 1, successes: 1 });
        expect(heldLedger.succeededToAck + heldLedger.droppedCopies, "acks of its copies, each without a run").toBeGreaterThanOrEqual(1);

        const childLedgers = children([...bigMembers, ...smallIds]).map(([, ledger]) => ledger!);
        const repeatedChildRuns = childLedgers.reduce((sum, ledger) => sum + Math.max(0, ledger.successes - 1), 0);
        const repeatedCallbackRuns = [...onSuccessRuns, ...onCompleteRuns].reduce((sum, [, ledger]) => sum + ledger.starts - 1, 0);
        const retries = childLedgers.reduce((sum, ledger) => sum + ledger.failures, 0);
        const row = {
          profile: reliabilitySettings.profile,
          children: `${bigMembers.length} (${added.length} added from inside runs) + ${deadBatch.children} (${smallDead.length} dead)`,
          "SIGKILLs": `${kills} + 1 between a callback's bookkeeping and its ack`,
          "children run again (counted once)": repeatedChildRuns,
          "failed attempts retried or dead": retries,
          "callbacks: job ids / runs / copies dropped unrun": `onSuccess 1/${onSuccessRuns[0]![1].starts}/${onSuccessRuns[0]![1].droppedCopies}, onComplete 2/${onCompleteRuns.reduce((sum, [, ledger]) => sum + ledger.starts, 0)}/${onCompleteRuns.reduce((sum, [, ledger]) => sum + ledger.droppedCopies, 0)}`,
          "callback runs repeated": repeatedCallbackRuns,
          "callback ends refused (run claim fenced)": [...onSuccessRuns, ...onCompleteRuns].reduce((sum, [, ledger]) => sum + ledger.refusedEnds, 0),
          lost: 0,
          "drained in s": Math.round(drainedInMs / 1000),
        };
        recordResult("batch", target.name, row);
        console.info(`batch ${target.name}: ${JSON.stringify(row)}`);
        passed = true;
      } finally {
        for (const worker of workers) await worker.kill("SIGKILL");
        await hopper.close();
        await backend.close();
        // A failed run keeps its ledgers: what each process wrote is the only account of what happened.
        if (passed) rmSync(directory, { recursive: true, force: true });
        else console.error(`batch ${target.name}: the ledgers are kept in ${directory}`);
      }
    });
  }
});

/** Polls the batch's status until `done` holds; fails when every worker died on its own or after 5 minutes. */
async function untilStatus(batch: Batch, done: (status: BatchStatus) => boolean, workers: () => readonly WorkerProcess[]): Promise<BatchStatus> {
  const deadline = Date.now() + 300_000;
  for (;;) {
    const status = await batch.status();
    if (done(status)) return status;
    const crashed = workers().filter((worker) => worker.crashedOnItsOwn);
    if (crashed.length > 0) throw new Error(`a worker crashed on its own: ${crashed.flatMap((worker) => worker.errorLines).join("\n")}`);
    if (Date.now() > deadline) throw new Error(`batch ${batch.id} did not get there: ${JSON.stringify({ ...status, failedJobIds: undefined, deadJobIds: status.deadJobIds.length })}`);
    // status() lists the batch's members: once a second keeps it off the drain's back.
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

/** Polls the ledgers until `find` finds something in them (every 200 ms, for 2 minutes). */
async function untilLedgers<T>(directory: string, what: string, find: (texts: Map<string, string>) => T | undefined): Promise<T> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const found = find(readLedgerTexts(directory));
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`not in the ledgers after 2 minutes: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
