import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const resultsDirectory = fileURLToPath(new URL("../../../benchmarks/results/", import.meta.url));
const dataFile = `${resultsDirectory}rolling-deploy.json`;
const reportFile = `${resultsDirectory}rolling-deploy.md`;

export type RollingDeployRow = Record<string, string | number>;

/**
 * Records one backend's figures and rewrites benchmarks/results/rolling-deploy.md
 * from all of them (one column per backend). The reliability files run one after
 * another, so the read-modify-write never races.
 */
export function recordRollingDeploy(backend: string, row: RollingDeployRow): void {
  mkdirSync(resultsDirectory, { recursive: true });
  const data = existsSync(dataFile) ? (JSON.parse(readFileSync(dataFile, "utf8")) as Record<string, RollingDeployRow>) : {};
  data[backend] = { ...row, "recorded at": new Date().toISOString().slice(0, 19) + "Z" };
  writeFileSync(dataFile, `${JSON.stringify(data, null, 2)}\n`);
  writeFileSync(reportFile, render(data));
}

function render(data: Record<string, RollingDeployRow>): string {
  const backends = Object.keys(data);
  const measures = [...new Set(backends.flatMap((backend) => Object.keys(data[backend]!)))];
  const lines = [`| | ${backends.join(" | ")} |`, `|---|${backends.map(() => "---").join("|")}|`];
  for (const measure of measures) lines.push(`| ${measure} | ${backends.map((backend) => String(data[backend]![measure] ?? "")).join(" | ")} |`);
  return `# Rolling-deploy results

Written by \`packages/reliability/src/rolling-deploy.reliability.ts\` (in \`pnpm test:reliability\`);
each column is the latest run for that backend on the machine that ran it.

Three releases of one job share its name and queue, each with its own args shape
(v1 \`{ n, customer: "c-7" }\`, v2 \`{ n, customer: { id } }\`, v3 adds \`currency\`) and
the \`static upgrades\` from the older ones. Worker child processes of v1 and v2 run
while producers of v1, v2 and v3 enqueue; a v3 worker joins; the v1 worker is retired
(SIGTERM) while v1 producers keep enqueuing. Each worker's perform checks that the
args have ITS version's shape; every run and every hold ("payload is newer than this
worker") is appended to a file outside the backend. A hold lasts from a job's first
hold to its run.

${lines.join("\n")}
`;
}
