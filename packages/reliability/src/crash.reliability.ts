import { describe, expect, it } from "vitest";
import { runCrashScenario } from "./crash-scenario.js";
import { recordResult } from "./reliability-report.js";
import { reliabilitySettings, selected } from "./reliability-settings.js";
import { reliabilityTargets } from "./reliability-targets.js";

const seconds = (ms: number | undefined) => (ms === undefined ? "n/a" : `${(ms / 1000).toFixed(1)} s`);

describe("crash and restart: no job is lost", () => {
  for (const target of reliabilityTargets.filter((candidate) => selected(candidate.name))) {
    const jobs = reliabilitySettings.jobs ?? target.crashJobs;
    const { workers, kills } = reliabilitySettings;
    it(`${target.name}: ${jobs} jobs, ${workers} workers SIGKILLed up to ${kills} times and restarted, server crashed once where possible: every job completes`, { timeout: 240_000 }, async (context) => {
      const backend = await target.open({ restartable: true });
      if (!backend) return context.skip();
      try {
        const report = await runCrashScenario({ url: backend.url, jobs, workers, kills, lease: target.lease, timeoutMs: 150_000, ...(backend.server && { server: backend.server }) });
        const line = `[reliability] ${target.name} crash: ${report.completed}/${report.jobs} jobs completed, ${report.kills} SIGKILLs, ${report.workerStarts} worker starts, ${report.serverRestarts} server restarts, ${report.duplicates} duplicate runs, server recovery ${seconds(report.serverRecoveryMs)}, longest stall ${seconds(report.longestStallMs)}, enqueue ${seconds(report.enqueueMs)}, run ${seconds(report.runMs)}, ${report.workerErrorLines} worker error lines, ${report.workerSelfCrashes} workers crashed on their own`;
        console.log(line);
        if (report.workerErrorSample.length > 0) console.log(`[reliability] ${target.name} worker errors (first ${report.workerErrorSample.length}):\n  ${report.workerErrorSample.join("\n  ")}`);
        recordResult("crash", target.name, {
          jobs: report.jobs,
          completed: report.completed,
          "worker processes": workers,
          "SIGKILLs": report.kills,
          "server restarts": backend.server ? report.serverRestarts : `0 (${backend.noRestart ? "emulator keeps messages in memory only" : "not restartable"})`,
          duplicates: report.duplicates,
          "workers crashed on their own": report.workerSelfCrashes,
          "server recovery": seconds(report.serverRecoveryMs),
          "longest stall": seconds(report.longestStallMs),
          "enqueue time": seconds(report.enqueueMs),
          "run time": seconds(report.runMs),
        });
        expect(report.missing).toEqual([]);
        expect(report.completed).toBe(jobs);
        expect(report.kills).toBeGreaterThan(0);
        if (backend.server) expect(report.serverRestarts).toBe(1);
        expect(report.deadLetters).toBe(0);
        // A worker must ride out the server restart (it waits for its backend), never die of it.
        expect(report.workerSelfCrashes).toBe(0);
      } finally {
        await backend.close();
      }
    });
  }
});
