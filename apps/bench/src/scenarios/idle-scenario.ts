import type { IdleMemory } from "../report/result-types.js";
import type { ScenarioContext } from "./scenario-context.js";

function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** The child's RSS now, after a forced GC: call before the subject's library loads for the process's own floor. */
export function settledRss(): number {
  collectGarbage();
  return process.memoryUsage().rss;
}

/**
 * An idle worker's footprint: the subject's consumer started on an empty queue
 * (`concurrency` slots, polling as it does), left for `settleMs`, then the
 * child's RSS after a forced GC. Run first in the child, before any scenario
 * has grown its heap, so a Hopper worker compares with a process holding only
 * the raw client (and its claim loop) and with each peer's idle worker.
 */
export async function idleFootprint(context: ScenarioContext, baseRssBytes: number): Promise<IdleMemory> {
  const { subject, plan } = context;
  const { concurrency, settleMs } = plan.idle;
  const queue = context.queueName("idle");
  await subject.prepare(queue);
  const consumer = await subject.consume(queue, concurrency, () => {});
  await new Promise((resolve) => setTimeout(resolve, settleMs));
  const rssBytes = settledRss();
  const heapUsedBytes = process.memoryUsage().heapUsed;
  await consumer.stop();
  return { concurrency, settleMs, rssBytes, heapUsedBytes, baseRssBytes };
}
