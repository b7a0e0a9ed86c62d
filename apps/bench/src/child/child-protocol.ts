import type { BenchPlan, ScenarioName } from "../bench-plan.js";
import type { SubjectResult, SubjectSpec } from "../report/result-types.js";

/** Parent → child: measure this subject. */
export interface RunRequest {
  readonly type: "run";
  readonly spec: SubjectSpec;
  readonly plan: BenchPlan;
  readonly scenarios: readonly ScenarioName[];
}

/** Child → parent. */
export type ChildMessage =
  | { readonly type: "progress"; readonly label: string; readonly done: number; readonly total: number }
  | { readonly type: "result"; readonly result: SubjectResult };
