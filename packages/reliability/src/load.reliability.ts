import { describe, expect, it } from "vitest";
import { runLoadScenario } from "./load-scenario.js";
import { recordResult } from "./reliability-report.js";
import { reliabilitySettings, selected } from "./reliability-settings.js";
import { reliabilityTargets } from "./reliability-targets.js";

/** Stated bound: the worker's heap after GC may not grow more than this after warm-up. */
const heapGrowthBoundBytes = 16 * 1024 * 1024;
const loadFactor = 0.7;
const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

describe("sustained load: steady memory, no errors, nothing lost", () => {
  for (const target of reliabilityTargets.filter((candidate) => candidate.loadCalibrationJobs !== undefined && selected(candidate.name))) {
    const { loadSeconds } = reliabilitySettings;
    it(`${target.name}: ${loadSeconds} s at ${loadFactor * 100}% of the measured capacity; heap growth after warm-up under ${mb(heapGrowthBoundBytes)}`, { timeout: 60_000 + loadSeconds * 1000 * 2 }, async (context) => {
      const backend = await target.open({ restartable: false });
      if (!backend) return context.skip();
      try {
        const report = await runLoadScenario({ url: backend.url, calibrationJobs: target.loadCalibrationJobs!, loadFactor, seconds: loadSeconds, concurrency: 50 });
        console.log(
          `[reliability] ${target.name} load: capacity ${report.capacityPerSecond}/s, target ${report.targetPerSecond}/s, enqueued ${report.enqueuedPerSecond}/s for ${loadSeconds} s, ${report.completed}/${report.enqueued} completed (drain ${report.drainMs} ms), heap ${mb(report.heapBaselineBytes)} after warm-up, growth ${mb(report.heapGrowthBytes)}, rss ${mb(report.rssStartBytes)} → ${mb(report.rssEndBytes)}, ${report.enqueueErrors} enqueue errors, ${report.workerErrorLines.length} worker error lines${report.workerErrorLines.length ? `:\n  ${report.workerErrorLines.join("\n  ")}` : ""}`,
        );
        recordResult("load", target.name, {
          "capacity (1 worker)": `${report.capacityPerSecond}/s`,
          "sustained enqueue": `${report.enqueuedPerSecond}/s`,
          seconds: loadSeconds,
          "jobs": report.enqueued,
          completed: report.completed,
          "heap after warm-up": mb(report.heapBaselineBytes),
          "heap growth": mb(report.heapGrowthBytes),
          "heap bound": mb(heapGrowthBoundBytes),
          rss: `${mb(report.rssStartBytes)} → ${mb(report.rssEndBytes)}`,
          errors: report.enqueueErrors + report.workerErrorLines.length,
        });
        expect(report.enqueueErrors).toBe(0);
        expect(report.workerErrorLines).toEqual([]);
        expect(report.completed).toBe(report.enqueued);
        expect(report.deadLetters).toBe(0);
        expect(report.memorySamples).toBeGreaterThanOrEqual(Math.floor(loadSeconds / 2));
        expect(report.heapGrowthBytes).toBeLessThan(heapGrowthBoundBytes);
      } finally {
        await backend.close();
      }
    });
  }
});
