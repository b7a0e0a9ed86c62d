import type { BenchSubject } from "../subjects/bench-subject.js";
import { consumeCount, makeJobs, withCallers } from "../scenarios/scenario-context.js";

/** Single enqueues to a queue of their own, `callers` in flight, then drained: JIT, connections and scripts warm before a probe's window. */
export async function warmSingleEnqueue(subject: BenchSubject, queue: string, jobs: number, callers: number, drainConcurrency = 10): Promise<void> {
  await subject.prepare(queue);
  const list = makeJobs(jobs);
  await withCallers(list.length, callers, (index) => subject.enqueueOne(queue, list[index]!));
  await consumeCount(subject, queue, drainConcurrency, list.length, 30_000);
}
