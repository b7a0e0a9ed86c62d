import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { redactCredentials } from "@hopper/core";
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

/**
 * The run as results show it: every text in it with credentials hidden (a `--redis-url` with a password is in the
 * command line and in each subject's connection), since result files are committed and quoted in READMEs.
 */
export function redactedRun(run: RunResult): RunResult {
  return redactedTexts(run) as RunResult;
}

/** A copy with every string redacted; numbers (NaN for a point without samples among them) and the rest as they were. */
function redactedTexts(value: unknown): unknown {
  if (typeof value === "string") return redactCredentials(value);
  if (Array.isArray(value)) return value.map(redactedTexts);
  if (typeof value === "object" && value !== null) return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, redactedTexts(entry)]));
  return value;
}

/** Writes `run-<stamp>.md/.json/.svg` for this run (credentials hidden) and the same three as `latestBase(profile).*`; returns the paths. */
export function writeResults(given: RunResult, outDir: string): string[] {
  const run = redactedRun(given);
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
