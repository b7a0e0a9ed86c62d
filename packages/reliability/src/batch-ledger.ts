import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

/** What every process's ledger (batch-jobs.ts) says about one job id. */
export interface JobLedger {
  readonly job: string;
  /** Runs started, runs whose perform returned, runs whose perform threw. */
  starts: number;
  successes: number;
  failures: number;
  /** Runs that returned and whose ack then resolved, counted per process: min(returned, acks) in each. */
  succeededToAck: number;
  /** Acks beyond the runs that returned, per process: copies acked without a run (dropped as already succeeded, or postponed). */
  droppedCopies: number;
  /** Runs that returned and whose end the run claim's fence refused (another copy took the claim after theirs lapsed): acked, not counted. */
  refusedEnds: number;
  /** When each run started (ms since the epoch; one clock for every process of this machine), to read a failed run by. */
  readonly startedAt: number[];
}

/** Every ledger of a batch run, one text per process (file name → its text). */
export function readLedgerTexts(directory: string): Map<string, string> {
  const files = readdirSync(directory).filter((name) => name.endsWith(".ledger"));
  return new Map(files.map((name) => [name, readFileSync(join(directory, name), "utf8")]));
}

/**
 * Each job id's runs and acks across the processes' ledgers, and the distinct ids of the jobs added from inside runs
 * (an adder run again adds the same ids: `addedJobId`, one member each).
 */
export function parseLedgers(texts: ReadonlyMap<string, string>): { jobs: Map<string, JobLedger>; added: string[] } {
  const jobs = new Map<string, JobLedger>();
  const added = new Set<string>();
  /** Per process: the acks and the returned runs of each id, matched once every file is read (a copy may be acked in a file read first). */
  const perProcess: { acks: Map<string, number>; returned: Map<string, number>; refused: Map<string, number> }[] = [];
  for (const text of texts.values()) {
    const returned = new Map<string, number>();
    const acks = new Map<string, number>();
    const refused = new Map<string, number>();
    perProcess.push({ acks, returned, refused });
    for (const line of text.split("\n")) {
      const [event, id, third, , fifth] = line.split(" ");
      if (event === "+") {
        added.add(third!);
        continue;
      }
      if (event === "a") {
        acks.set(id!, (acks.get(id!) ?? 0) + 1);
      }
      if (event === "r") {
        refused.set(id!, (refused.get(id!) ?? 0) + 1);
        continue;
      }
      if (event !== "s" && event !== "d" && event !== "f") continue;
      const entry = jobs.get(id!) ?? { job: third!, starts: 0, successes: 0, failures: 0, succeededToAck: 0, droppedCopies: 0, refusedEnds: 0, startedAt: [] };
      jobs.set(id!, entry);
      if (event === "s") {
        entry.starts++;
        if (fifth !== undefined) entry.startedAt.push(Number(fifth));
      }
      if (event === "f") entry.failures++;
      if (event === "d") {
        entry.successes++;
        returned.set(id!, (returned.get(id!) ?? 0) + 1);
      }
    }
  }
  for (const { acks, returned, refused } of perProcess) {
    for (const [id, count] of refused) {
      const entry = jobs.get(id);
      if (entry) entry.refusedEnds += count;
    }
    for (const [id, count] of acks) {
      const entry = jobs.get(id);
      if (!entry) continue; // acked, never run anywhere: callbackFault's "no run returned" for a callback
      // A run whose end was refused is acked without its success being recorded: as a copy dropped, not a success.
      const ran = Math.max(0, (returned.get(id) ?? 0) - (refused.get(id) ?? 0));
      entry.succeededToAck += Math.min(ran, count);
      entry.droppedCopies += Math.max(0, count - ran);
    }
  }
  return { jobs, added: [...added] };
}

/**
 * Undefined when the callback succeeded exactly once as the ledgers tell it; else why not. The worker marks a
 * callback succeeded (the batch's bookkeeping) after its run returned and before its ack, and drops a copy that
 * finds the mark. So a run killed between the two has no ack of its own, and its copy is acked without a run
 * (or, when the run ended before the lease brought it back, not seen at all): one success, not a fault. Faults:
 * no run returned; two runs returned and were both acked, unless the worker refused one's end (an `r` line: the run
 * claim's fence, another copy having taken the claim after this one's lapsed). An `a` line is any ack that resolved, a postponed
 * copy's too (a copy that found another running is sent again and acked), so an ack does not date the mark:
 * no rule here orders a run after an ack.
 */
export function callbackFault(ledger: JobLedger): string | undefined {
  if (ledger.successes === 0) return `no run returned (${ledger.starts} started)`;
  if (ledger.succeededToAck > 1) return `${ledger.succeededToAck} runs returned and were acked`;
  return undefined;
}
