import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { renderMarkdown } from "./markdown-report.js";
import type { RunResult } from "./result-types.js";
import { renderSvgChart } from "./svg-chart.js";

/** Writes `<stamp>.md/.json/.svg` for this run and the same three as `latest.*`; returns the paths. */
export function writeResults(run: RunResult, outDir: string): string[] {
  mkdirSync(outDir, { recursive: true });
  const stamp = run.startedAt.replace(/[:.]/g, "-").replace(/-\d+Z$/, "Z");
  const markdown = renderMarkdown(run);
  const json = `${JSON.stringify(run, (_key, value: unknown) => (typeof value === "number" && !Number.isFinite(value) ? null : value), 2)}\n`;
  const svg = renderSvgChart(run);
  const written: string[] = [];
  for (const base of [`run-${stamp}`, "latest"]) {
    for (const [extension, content] of [["md", markdown.replace("](latest.svg)", `](run-${stamp}.svg)`)], ["json", json], ["svg", svg]] as const) {
      const path = join(outDir, `${base}.${extension}`);
      writeFileSync(path, base === "latest" && extension === "md" ? markdown : content);
      written.push(path);
    }
  }
  return written;
}
