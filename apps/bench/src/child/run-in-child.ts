import { fileURLToPath } from "node:url";
import type { BenchPlan, ScenarioName } from "../bench-plan.js";
import type { SubjectResult, SubjectSpec } from "../report/result-types.js";
import type { ChildMessage, RunRequest } from "./child-protocol.js";
import { forkBenchChild } from "./fork-child.js";

const childMain = fileURLToPath(new URL("./child-main.ts", import.meta.url));

export interface ChildRunOptions {
  readonly spec: SubjectSpec;
  readonly plan: BenchPlan;
  readonly scenarios: readonly ScenarioName[];
  readonly onProgress: (label: string, done: number, total: number) => void;
  /** Kills the child after this long; its result then says so. */
  readonly timeoutMs: number;
}

/**
 * Measures one subject in a fresh Node process (forkBenchChild: the bench's TypeScript stripped by Node,
 * the @hopper packages built), so its memory figures are its own.
 */
export function runInChild(options: ChildRunOptions): Promise<SubjectResult> {
  const { spec } = options;
  const startedAt = Date.now();
  return new Promise((resolve) => {
    const { child, stderrTail } = forkBenchChild(childMain, spec);
    let result: SubjectResult | undefined;
    const failed = (error: string): SubjectResult => ({ spec, status: "failed", error, scenarios: [], notes: [], durationMs: Date.now() - startedAt });
    const timer = setTimeout(() => {
      result ??= failed(`no result within ${options.timeoutMs} ms; the child was killed`);
      child.kill("SIGKILL");
    }, options.timeoutMs);
    child.on("message", (message: ChildMessage) => {
      if (message.type === "progress") options.onProgress(message.label, message.done, message.total);
      else if (message.type === "result") result = message.result;
    });
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      const lastLines = stderrTail();
      resolve(result ?? failed(`the child exited (${signal ?? `code ${code}`}) without a result${lastLines ? `: ${lastLines}` : ""}`));
    });
    child.send({ type: "run", spec, plan: options.plan, scenarios: options.scenarios } satisfies RunRequest);
  });
}
