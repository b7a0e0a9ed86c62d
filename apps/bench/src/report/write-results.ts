import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderMarkdown } from "./markdown-report.js";
import type { RunResult } from "./result-types.js";
import { renderSvgChart } from "./svg-chart.js";

/**
 * The name of a profile's "latest" files: `latest` for the default (short)
 * profile, which the root README's section quotes, `<profile>-latest` for the
 * others, so a full run or a sweep never overwrites the default run's figures.
 */
export function latestBase(profile: string): string {
  return profile === "short" ? "latest" : `${profile}-latest`;
}

/** Writes `run-<stamp>.md/.json/.svg` for this run and the same three as `latestBase(profile).*`; returns the paths. */
export function writeResults(run: RunResult, outDir: string): string[] {
  mkdirSync(outDir, { recursive: true });
  const stamp = run.startedAt.replace(/[:.]/g, "-").replace(/-\d+Z$/, "Z");
  const latest = latestBase(run.plan.profile);
  const markdown = renderMarkdown(run).replace("](latest.svg)", `](${latest}.svg)`);
  const json = `${JSON.stringify(run, (_key, value: unknown) => (typeof value === "number" && !Number.isFinite(value) ? null : value), 2)}\n`;
  const svg = renderSvgChart(run);
  const written: string[] = [];
  for (const base of [`run-${stamp}`, latest]) {
    for (const [extension, content] of [["md", markdown.replace(`](${latest}.svg)`, `](run-${stamp}.svg)`)], ["json", json], ["svg", svg]] as const) {
      const path = join(outDir, `${base}.${extension}`);
      writeFileSync(path, base === latest && extension === "md" ? markdown : content);
      written.push(path);
    }
  }
  return written;
}
