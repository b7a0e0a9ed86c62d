export { median, percentile, summarize, latencyPercentiles, ratio, type Summary, type LatencyPercentiles } from "./statistics.js";
export { parseBenchOptions, type BenchOptions, type BackendName } from "./bench-options.js";
export { loadProfiles, parseProfile, type BenchPlan, type ScenarioName, type SubjectKind } from "./bench-plan.js";
export { renderMarkdown } from "./report/markdown-report.js";
export { renderSvgChart } from "./report/svg-chart.js";
export type { RunResult, SubjectResult, SubjectSpec } from "./report/result-types.js";
export type { BenchSubject, BenchJob } from "./subjects/bench-subject.js";
