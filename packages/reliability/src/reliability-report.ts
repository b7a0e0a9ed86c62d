import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { reliabilityTargets } from "./reliability-targets.js";

const resultsDirectory = fileURLToPath(new URL("../../../benchmarks/results/", import.meta.url));
const dataFile = `${resultsDirectory}reliability.json`;
const reportFile = `${resultsDirectory}reliability.md`;

export type ReportRow = Record<string, string | number>;

interface ReportData {
  crash: Record<string, ReportRow>;
  load: Record<string, ReportRow>;
  /** batch.reliability.ts; absent from files written before it. */
  batch?: Record<string, ReportRow>;
}

/**
 * Records one backend's figures and rewrites benchmarks/results/reliability.md
 * from all of them. Scenario files run one after another (fileParallelism off),
 * so the read-modify-write never races.
 */
export function recordResult(section: keyof ReportData, backend: string, row: ReportRow): void {
  mkdirSync(resultsDirectory, { recursive: true });
  const data: ReportData = existsSync(dataFile) ? (JSON.parse(readFileSync(dataFile, "utf8")) as ReportData) : { crash: {}, load: {} };
  (data[section] ??= {})[backend] = { ...row, "recorded at": new Date().toISOString().slice(0, 19) + "Z" };
  writeFileSync(dataFile, `${JSON.stringify(data, null, 2)}\n`);
  writeFileSync(reportFile, renderReport(data));
}

function table(rows: Record<string, ReportRow>): string {
  const backends = Object.keys(rows);
  if (backends.length === 0) return "_not run yet_\n";
  const columns = [...new Set(backends.flatMap((backend) => Object.keys(rows[backend]!)))];
  const lines = [`| backend | ${columns.join(" | ")} |`, `|---|${columns.map(() => "---").join("|")}|`];
  for (const backend of backends) lines.push(`| ${backend} | ${columns.map((column) => String(rows[backend]![column] ?? "")).join(" | ")} |`);
  return `${lines.join("\n")}\n`;
}

function exclusivityTable(): string {
  const lines = ["| backend and mode | most concurrent runs of one job | duplicate runs |", "|---|---|---|"];
  for (const target of reliabilityTargets) {
    const exclusive = target.exclusiveRuns ? `asserted 1: ${target.exclusiveRuns}` : "reported, not asserted: the transport may deliver a message again while a copy is still out (at-least-once)";
    lines.push(`| ${target.name}${target.profiles ? ` (${target.profiles.join(", ")} profile only)` : ""} | ${exclusive} | ${target.unboundedDuplicates ? `reported, not bounded: ${target.unboundedDuplicates}` : target.redeliversAckedMessages ? `bounded as above, after setting aside the runs that started after an ack of the same job had resolved: ${target.redeliversAckedMessages}` : "bounded as above"} |`);
  }
  return `${lines.join("\n")}\n`;
}

function renderReport(data: ReportData): string {
  return `# Reliability results

Written by \`pnpm test:reliability\` (packages/reliability); each row is the latest run
for that backend and delivery mode on the machine that ran it, in the profile named
(\`ci\`, what CI runs, or \`full\`: \`pnpm test:reliability --profile full\`). See
packages/reliability/README.md for what each scenario does and docs/guarantees.md
for what the figures back.

## Crash, restart and SIGTERM while producing

A producer enqueues the realistic job mix (retries, dead letters, delays past a
lease, unique keys enqueued twice, a per-key concurrency limit, jobs longer than
three leases, ordering and dedupe keys where the backend has them), single and
bulk calls, while worker child processes are SIGKILLed or SIGTERMed at random and
replaced, and the server (where the suite runs its own) is crashed in the middle
of a bulk enqueue and started again. Every run's start and end is appended to a
ledger outside the backend.

- **jobs**: ids returned by enqueue calls that resolved (owed); a rejected call owes nothing.
- **lost**: owed jobs that never completed (the doomed share: whose dead letter never arrived). Must be 0.
- **duplicate runs**: completions beyond the first (and dead letters beyond the first).
  Bound, asserted: (SIGKILLs + server crashes × workers) × 60, the messages a worker holds at once
  (concurrency 20 + 2 × prefetch 20). A job runs again only when the copy that ran was never acked,
  and a worker holds at most that many unacked (running, buffered, or finished with the ack on
  its way; it receives no more until acks land): a SIGKILL loses at most that many acks, a
  server crash at most every worker's, a SIGTERM none (stop() acks what finished and hands back
  the rest). Pub/Sub with ordering keys also redelivers every later
  message of a key after a nack or an expired deadline, acked ones included (Pub/Sub's
  documented behaviour); where that breaks the bound the mode says so below.
- **most concurrent runs of one job**: two runs of one job overlapping in time. Asserted 1
  where stated below; "(reported)" where the transport may hand out a copy still out.
- **most concurrent runs of one limited key**: performs under a per-key limit of 1 (a redelivered copy of a job
  counts: the limit bounds performs), and jobs of one unique key (copies of one job count once: uniqueness is about
  enqueuing, and where the transport hands out a copy still out their overlap is the column before). Asserted 1 everywhere.
- **final ready/delayed/in flight**: the queue's stats once every worker stopped (n/a: no stats). Asserted 0/0/0.
- **worker error lines (unexpected)**: lines the fault injection does not explain fail the run (src/worker-error-lines.ts lists the expected ones).

${table(data.crash)}
${exclusivityTable()}
## Sustained load

A calibration burst measures how fast one worker process drains the backend; the
enqueuer then holds a fraction of that rate for the stated time. Memory is the
worker child's heap after a full GC, sampled every second; growth is the largest
sample after warm-up (the calibration and the first third of the load) minus the
sample at the end of warm-up.

${table(data.load)}
## A batch draining while workers are SIGKILLed

A batch of 10,000 children (50,000 in the full profile; every 100th fails its first
attempt, every 1000th adds a job to its own batch from inside its run) and a batch of
200 with three dead children drain on two worker processes, SIGKILLed and replaced
three times (six in full), and once more where the worker that ran the big batch's
onComplete holds its ack, after its bookkeeping marked it succeeded. Each run and each
resolved ack is appended to a ledger per process. Asserted: every child ran; each
batch's counts equal the ledger's distinct outcomes (a child run again counts once);
each callback is one job id whose success was recorded once: a run returned, and no two
runs returned and were both acked (a run killed before its ack is counted in the runs);
the callback killed holding its ack ran once and its redelivered copy was acked unrun;
the dead batch's onSuccess never runs.

${table(data.batch ?? {})}`;
}
