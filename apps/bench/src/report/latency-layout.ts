import type { BenchPlan } from "../bench-plan.js";

/**
 * The sentence the latency sections open with: where the consumer ran (`--latency-worker`). Results from before the
 * choice have no `plan.latency.worker`; they all ran `same`.
 */
export function latencyLayoutSentence(plan: BenchPlan): string {
  const layout = plan.latency.worker ?? "same";
  if (layout === "process") {
    return "Layout `--latency-worker process`: the producer in the subject's bench process, the consumer in a worker process of its own, as a web process and a worker are deployed; a job's latency is its start in the worker minus its enqueue call in the producer, on one clock (apps/bench/README.md).";
  }
  return "Layout `--latency-worker same`: producer and consumer in one process, sharing its event loop (a claim's answer can wait there behind the producer's next tick: apps/bench/README.md).";
}
