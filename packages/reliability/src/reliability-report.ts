import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const resultsDirectory = fileURLToPath(new URL("../../../benchmarks/results/", import.meta.url));
const dataFile = `${resultsDirectory}reliability.json`;
const reportFile = `${resultsDirectory}reliability.md`;

export type ReportRow = Record<string, string | number>;

interface ReportData {
  crash: Record<string, ReportRow>;
  load: Record<string, ReportRow>;
}

/**
 * Records one backend's figures and rewrites benchmarks/results/reliability.md
 * from all of them. Scenario files run one after another (fileParallelism off),
 * so the read-modify-write never races.
 */
export function recordResult(section: keyof ReportData, backend: string, row: ReportRow): void {
  mkdirSync(resultsDirectory, { recursive: true });
  const data: ReportData = existsSync(dataFile) ? (JSON.parse(readFileSync(dataFile, "utf8")) as ReportData) : { crash: {}, load: {} };
  data[section][backend] = { ...row, "recorded at": new Date().toISOString().slice(0, 19) + "Z" };
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

function renderReport(data: ReportData): string {
  return `# Reliability results

Written by \`pnpm test:reliability\` (packages/reliability); each row is the latest run
for that backend on the machine that ran it. See packages/reliability/README.md for
what each scenario does and docs/guarantees.md for what the figures back.

## Crash and restart

Jobs enqueued, then run by worker child processes that are SIGKILLed at random
moments and started again; the server is crashed and started again once, when half
the jobs are done (where the suite can restart it). Every completion is appended to
a ledger file outside the backend. "duplicates" counts extra completions (a job
that ran again after its worker died before the ack); "recovery" is the time from
the server answering again to the next completion.

${table(data.crash)}
## Sustained load

A calibration burst measures how fast one worker process drains the backend; the
enqueuer then holds a fraction of that rate for the stated time. Memory is the
worker child's heap after a full GC, sampled every second; growth is the largest
sample after warm-up (the calibration and the first third of the load) minus the
sample at the end of warm-up.

${table(data.load)}`;
}
