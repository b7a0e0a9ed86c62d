import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { createConsoleLogger, createHopper } from "@hopper/core";
import { iterationCheckpointItems, iterationJobClass } from "./iteration-job.js";
import { reliabilitySettings, selected } from "./reliability-settings.js";
import { reliabilityTargets } from "./reliability-targets.js";
import { WorkerProcess } from "./worker-process.js";

// One iterable job over N items, run by worker processes that are SIGTERMed five times and SIGKILLed twice.
// Each process writes every item it processes to its own ledger file, so the parent counts them after the fact.
// RELIABILITY_ITEMS=… overrides the profile's count.
const itemCount = itemsSetting() ?? (reliabilitySettings.profile === "full" ? 100_000 : 20_000);
const faults: readonly NodeJS.Signals[] = ["SIGTERM", "SIGTERM", "SIGKILL", "SIGTERM", "SIGTERM", "SIGKILL", "SIGTERM"];
// Each faulted process works through this many items before it slows down and is signalled; the last finishes the job.
const itemsPerProcess = Math.floor(itemCount / (faults.length + 2));
const targets = reliabilityTargets.filter((target) => (target.name === "redis" || target.name === "postgres") && selected(target.name));

function itemsSetting(): number | undefined {
  const text = process.env.RELIABILITY_ITEMS;
  if (text === undefined || text === "") return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < faults.length + 2) throw new Error(`RELIABILITY_ITEMS must be an integer ≥ ${faults.length + 2}, got ${JSON.stringify(text)}`);
  return value;
}

interface Run {
  readonly signal: NodeJS.Signals | "finished";
  readonly items: number[];
  readonly attempts: Set<number>;
}

function readLedger(file: string, signal: Run["signal"]): Run {
  const items: number[] = [];
  const attempts = new Set<number>();
  let text = "";
  try {
    text = readFileSync(file, "utf8");
  } catch {
    // A process that processed nothing wrote no ledger.
  }
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const [item, attempt] = line.split(" ").map(Number);
    items.push(item!);
    attempts.add(attempt!);
  }
  return { signal, items, attempts };
}

/** Resolves once the child printed `line`; rejects if it exits first. */
function said(worker: WorkerProcess, line: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let buffered = "";
    worker.child.stdout!.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      if (buffered.split("\n").includes(line)) resolve();
    });
    void worker.exited.then(() => reject(new Error(`the worker exited before saying "${line}": ${worker.errorLines.join("\n")}`)));
  });
}

describe(`iterable job over ${itemCount} items across five SIGTERMs and two SIGKILLs (profile ${reliabilitySettings.profile})`, () => {
  for (const target of targets) {
    it(`${target.name}: every item processed; none twice across a SIGTERM; after a SIGKILL at most the items since the last checkpoint`, { timeout: 600_000 }, async () => {
      const backend = await target.open({ restartable: false });
      if (!backend) return;
      const directory = mkdtempSync(join(tmpdir(), "hopper-iteration-"));
      const queue = `iter-${randomBytes(4).toString("hex")}`;
      const IterationWalk = iterationJobClass(queue, join(directory, "producer.ledger"), Infinity, () => {});
      const hopper = createHopper({ url: backend.url, jobs: [IterationWalk], records: {}, logger: createConsoleLogger("error") });
      const runs: Run[] = [];
      const workers: WorkerProcess[] = [];
      const start = (index: number, slowAfter?: number) => {
        const env: Record<string, string> = { RELIABILITY_URL: backend.url, RELIABILITY_QUEUE: queue, RELIABILITY_LEDGER: join(directory, `worker-${index}.ledger`) };
        if (slowAfter !== undefined) env.ITERATION_SLOW_AFTER = String(slowAfter);
        const worker = new WorkerProcess(env, { entry: "test-iteration-worker.ts" });
        workers.push(worker);
        return worker;
      };
      try {
        const id = await IterationWalk.performLater({ count: itemCount });
        for (const [index, signal] of faults.entries()) {
          const worker = start(index, itemsPerProcess);
          await said(worker, "slow");
          await worker.kill(signal, 60_000);
          expect(worker.child.signalCode ?? "exited", worker.errorLines.join("\n")).toBe(signal === "SIGKILL" ? "SIGKILL" : "exited");
          runs.push(readLedger(join(directory, `worker-${index}.ledger`), signal));
        }
        const last = start(faults.length);
        await last.ready;
        const deadline = Date.now() + 300_000;
        while ((await hopper.jobs.get(id))?.state !== "succeeded") {
          if (!last.alive || Date.now() > deadline) throw new Error(`the job did not succeed: ${last.errorLines.join("\n")}`);
          await new Promise((resolve) => setTimeout(resolve, 200));
        }
        await last.kill("SIGTERM", 60_000);
        runs.push(readLedger(join(directory, `worker-${faults.length}.ledger`), "finished"));

        const times = new Uint8Array(itemCount);
        for (const run of runs) for (const item of run.items) times[item]! += 1;
        expect(times.indexOf(0), "an item no worker processed").toBe(-1);
        const repeatedAfterKill: number[] = [];
        for (const [index, run] of runs.entries()) {
          if (run.signal === "finished") continue;
          const next = runs[index + 1]!;
          const later = new Set(runs.slice(index + 1).flatMap((laterRun) => laterRun.items));
          const repeated = run.items.filter((item) => later.has(item)).length;
          if (run.signal === "SIGTERM") {
            // The stopped run saved its cursor at an item boundary: the next run starts right after its last item, same attempt.
            expect(repeated, `items repeated after SIGTERM #${index + 1}`).toBe(0);
            expect(next.items[0]).toBe(run.items.at(-1)! + 1);
            expect([...next.attempts]).toEqual([...run.attempts]);
          } else {
            // The next run resumes from the record's last checkpoint: at most the items processed since it run again.
            expect(repeated, `items repeated after SIGKILL #${index + 1}`).toBeLessThanOrEqual(iterationCheckpointItems);
            repeatedAfterKill.push(repeated);
          }
        }
        // No repeat anywhere else: every second processing is one of those counted after a SIGKILL.
        const extraRuns = times.reduce((sum, count) => sum + count - 1, 0);
        expect(extraRuns).toBe(repeatedAfterKill.reduce((sum, count) => sum + count, 0));
        console.info(
          `iteration ${target.name}: ${itemCount} items over ${runs.length} worker processes; 5 SIGTERM: 0 items repeated; 2 SIGKILL: ${repeatedAfterKill.join(" and ")} items repeated (bound ${iterationCheckpointItems}, the checkpoint interval); attempts ${runs.map((run) => [...run.attempts].join("/")).join(" ")}`,
        );
      } finally {
        for (const worker of workers) await worker.kill("SIGKILL");
        await hopper.close();
        await backend.close();
        rmSync(directory, { recursive: true, force: true });
      }
    });
  }
});
