import type { SubjectSpec } from "../report/result-types.js";
import type { StartsReport } from "../scenarios/scale-out-starts.js";
import type { ConsumerShape } from "../subjects/bench-subject.js";

/**
 * Parent → a scale-out child. A filler fills `queue` and keeps it until "close"; a worker consumes it between "start"
 * and "stop", then may be given another "work" (the latency scenario's worker: one queue per step, one subject for
 * all of them) until "close".
 */
export type ScaleOutRequest =
  | { readonly type: "fill"; readonly spec: SubjectSpec; readonly queue: string; readonly jobs: number; readonly batch: number }
  /** `timed`: the starts' reports carry each first start's time and its job's `sentAt` (StartsReport.times). */
  | { readonly type: "work"; readonly spec: SubjectSpec; readonly queue: string; readonly concurrency: number; readonly jobs: number; readonly timed?: boolean }
  | { readonly type: "start" }
  | { readonly type: "stop" }
  | { readonly type: "close" };

/** Scale-out child → parent. Times are `now()` (wall-clock based), comparable across processes on one machine. */
export type ScaleOutMessage =
  | { readonly type: "filled"; readonly ms: number }
  | { readonly type: "ready" }
  | { readonly type: "consuming"; readonly at: number; readonly shape: ConsumerShape }
  /** A worker's starts since its previous report; the last one is sent before "stopped". */
  | ({ readonly type: "count" } & StartsReport)
  /** `cpuUs`: the process's CPU time (user + system) from its consumer's start to the "stop" request, µs. */
  | { readonly type: "stopped"; readonly cpuUs?: number }
  | { readonly type: "closed" }
  | { readonly type: "failed"; readonly error: string };
