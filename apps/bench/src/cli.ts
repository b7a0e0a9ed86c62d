import { readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { dirname, isAbsolute, relative, resolve } from "node:path";
import { commandLine, parseBenchOptions } from "./bench-options.js";
import { loadProfiles, subjectBudgetMs, type ScenarioName } from "./bench-plan.js";
import { runInChild } from "./child/run-in-child.js";
import { createProgress } from "./progress.js";
import { formatNumber, formatRate } from "./report/format.js";
import type { RunResult, Skip, SubjectResult, SubjectSpec } from "./report/result-types.js";
import { renderMarkdown } from "./report/markdown-report.js";
import { readmeHeading, readmeSection, replaceSection } from "./report/readme-section.js";
import { latestBase, redactedRun, writeResults } from "./report/write-results.js";
import { setUpServers } from "./services-setup.js";
import { runScaleOut } from "./scenarios/scale-out.js";
import { inProcessBackends, subjectSpecs } from "./targets.js";
import { benchRecords } from "./subjects/hopper-records.js";
import { benchRedisLeases } from "./subjects/hopper-redis-leases.js";
import { benchRateLimits } from "./subjects/hopper-rate-limits.js";
import { installedVersion, reportedPackages } from "./versions.js";
import { runMain } from "./run-main.js";

const adapterPackages: Readonly<Record<string, string>> = { redis: "@hopper/redis", postgres: "@hopper/postgres", pglite: "@hopper/postgres", sqs: "@hopper/sqs", pubsub: "@hopper/pubsub" };

/** A Hopper subject whose adapter package does not load yet is skipped with the import error. */
async function checkAdapter(spec: SubjectSpec): Promise<string | undefined> {
  const packageName = adapterPackages[spec.backend];
  if (spec.kind !== "hopper" || !packageName) return undefined;
  try {
    const adapter = (await import(packageName)) as { createBackendFromUrl?: unknown };
    if (typeof adapter.createBackendFromUrl !== "function") return `${packageName} does not export createBackendFromUrl yet`;
  } catch (error) {
    return `${packageName} does not load: ${(error as Error).message.split("\n")[0]}`;
  }
  return undefined;
}

function oneLine(result: SubjectResult): string {
  if (result.status === "failed") return `failed: ${result.error}`;
  const top = result.drain?.at(-1);
  const parts = [
    top && `drain c=${top.concurrency} ${formatRate(top.rate)} jobs/s`,
    result.latency && `p99 ${formatNumber(result.latency.latency.p99, 1)} ms`,
    `${formatNumber(result.durationMs / 1000, 1)} s`,
  ];
  return parts.filter(Boolean).join(", ");
}

async function main(argv: string[]): Promise<void> {
  const options = parseBenchOptions(argv, loadProfiles());
  // Refused before any server starts: an unknown value names the variable.
  const hopperRecords = benchRecords(process.env.HOPPER_BENCH_RECORDS).mode;
  const hopperRedisLeases = benchRedisLeases(process.env.HOPPER_BENCH_REDIS_LEASES).mode;
  const hopperRateLimits = benchRateLimits(process.env.HOPPER_BENCH_RATE_LIMITS).mode;
  const startedAt = new Date();
  const progress = createProgress(options.progress);
  const setup = await setUpServers(options);
  const skipped: Skip[] = [...setup.skipped];
  try {
    const { plan } = options;
    const { specs, skipped: absent } = subjectSpecs(setup.backends, options.kinds, setup.servers, setup.env, plan.sweepPeerSettings);
    skipped.push(...absent);
    // A worker process cannot share an in-process backend's queue (latency-worker.ts).
    const latencyRuns = (spec: SubjectSpec) => plan.latency.worker === "same" || !inProcessBackends.includes(spec.backend);
    const wants = (spec: SubjectSpec, scenario: ScenarioName) => options.scenarios.includes(scenario) && plan.subjects[scenario].includes(spec.kind) && (scenario !== "latency" || latencyRuns(spec));
    const inChild = (spec: SubjectSpec) => options.scenarios.some((scenario) => scenario !== "scale-out" && wants(spec, scenario));
    const scaleOut = (spec: SubjectSpec) => wants(spec, "scale-out") && !inProcessBackends.includes(spec.backend);
    if (options.scenarios.includes("scale-out") && plan.subjects["scale-out"].length > 0) {
      for (const backend of setup.backends.filter((name) => inProcessBackends.includes(name))) {
        skipped.push({ what: `${backend} scale-out`, reason: "an in-process backend: separate worker processes cannot share its queue" });
      }
    }
    if (options.scenarios.includes("latency") && plan.subjects.latency.length > 0 && plan.latency.worker === "process") {
      for (const backend of setup.backends.filter((name) => inProcessBackends.includes(name))) {
        skipped.push({ what: `${backend} latency`, reason: "an in-process backend: with --latency-worker process, a worker process cannot share its queue" });
      }
    }
    const runnable: SubjectSpec[] = [];
    for (const spec of specs.filter((candidate) => inChild(candidate) || scaleOut(candidate))) {
      const problem = await checkAdapter(spec);
      if (problem) skipped.push({ what: spec.id, reason: problem });
      else runnable.push(spec);
    }
    for (const skip of skipped) progress.log(`skip ${skip.what}: ${skip.reason}`);

    const results: SubjectResult[] = [];
    for (const [index, spec] of runnable.entries()) {
      progress.subjectStarted(spec.id, index, runnable.length);
      const onProgress = (label: string, done: number, total: number) => progress.update(spec.id, label, done, total);
      let result: SubjectResult = inChild(spec)
        ? await runInChild({
            spec,
            plan,
            scenarios: options.scenarios.filter((scenario) => scenario !== "latency" || latencyRuns(spec)),
            // A hung client must not hang the whole run.
            timeoutMs: subjectBudgetMs(plan),
            onProgress,
          })
        : { spec, status: "ok", scenarios: [], notes: [], durationMs: 0 };
      if (scaleOut(spec) && result.status === "ok") {
        const startedAt = Date.now();
        const notes: string[] = [];
        const points = await runScaleOut(spec, plan, onProgress, (text) => notes.push(text));
        result = { ...result, scenarios: [...result.scenarios, "scale-out"], scaleOut: points, notes: [...result.notes, ...notes], durationMs: result.durationMs + (Date.now() - startedAt) };
      }
      results.push(result);
      progress.subjectFinished(spec.id, oneLine(result));
    }
    progress.stop();

    const cpuList = cpus();
    const run: RunResult = {
      formatVersion: 1,
      startedAt: startedAt.toISOString(),
      durationMs: Date.now() - startedAt.getTime(),
      command: commandLine(argv),
      hopperRecords,
      hopperRedisLeases,
      hopperRateLimits,
      machine: { cpus: cpuList.length, cpuModel: cpuList[0]?.model.trim() ?? "unknown", totalMemoryBytes: totalmem(), platform: `${process.platform} ${process.arch}`, node: process.version },
      versions: Object.fromEntries(reportedPackages.map((name) => [name, installedVersion(name)])),
      plan: options.plan,
      servers: setup.how,
      subjects: results,
      skipped,
    };
    // pnpm runs the script in apps/bench; relative paths mean relative to where `pnpm bench` was typed.
    const fromInvocation = (path: string) => (isAbsolute(path) ? path : resolve(process.env.INIT_CWD ?? process.cwd(), path));
    const outDir = fromInvocation(options.outDir);
    const written = writeResults(run, outDir);
    if (options.readme) {
      const readme = fromInvocation(options.readme);
      const latest = latestBase(plan.profile);
      const section = readmeSection(renderMarkdown(redactedRun(run)).replace("](latest.svg)", `](${latest}.svg)`), relative(dirname(readme), outDir) || ".", latest);
      writeFileSync(readme, replaceSection(readFileSync(readme, "utf8"), readmeHeading, section));
      written.push(readme);
    }
    process.stderr.write(`\nwrote ${written.join(", ")}\n`);
    for (const skip of skipped) process.stderr.write(`skipped ${skip.what}: ${skip.reason}\n`);
    for (const result of results.filter((entry) => entry.status === "failed")) process.stderr.write(`failed ${result.spec.id}: ${result.error}\n`);
  } finally {
    progress.stop();
    await setup.stop();
  }
}

runMain(main);
