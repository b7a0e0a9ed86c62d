import type { MemoryResult } from "../report/result-types.js";
import { enqueueInBatches, makeJobs, type ScenarioContext } from "./scenario-context.js";

type InFlight = NonNullable<MemoryResult["inFlight"]>;

function collectGarbage(): void {
  // The child runs with --expose-gc so before/after figures are not garbage that happens to be uncollected.
  (globalThis as { gc?: () => void }).gc?.();
}

/**
 * Holds `inFlight` jobs running at once (a consumer with that concurrency, every
 * job blocked on a gate) and reports heap and RSS growth over the idle
 * process, scaled to 10,000 jobs. The queued jobs count too where the backend
 * keeps them in process (memory://).
 */
export async function memoryInFlight(context: ScenarioContext): Promise<InFlight> {
  const { subject, plan } = context;
  const { inFlight: jobs, timeoutMs } = plan.memory;
  const queue = context.queueName("memory");
  await subject.prepare(queue);
  collectGarbage();
  const before = process.memoryUsage();
  await enqueueInBatches(subject, queue, makeJobs(jobs), plan.enqueue.bulkBatch);
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let reached = 0;
  let allReached!: () => void;
  const everyJobRunning = new Promise<void>((resolve) => (allReached = resolve));
  let finished = 0;
  let allFinished!: () => void;
  const drained = new Promise<void>((resolve) => (allFinished = resolve));
  const consumer = await subject.consume(queue, jobs, async () => {
    reached += 1;
    if (reached % 100 === 0) context.progress("memory in flight", reached, jobs);
    if (reached >= jobs) allReached();
    await gate;
    finished += 1;
    if (finished >= jobs) allFinished();
  });
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([everyJobRunning, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
  clearTimeout(timer);
  collectGarbage();
  const during = process.memoryUsage();
  const atReached = reached;
  release();
  await Promise.race([drained, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
  clearTimeout(timer);
  await consumer.stop();
  if (atReached < jobs) context.note(`memory: only ${atReached} of ${jobs} jobs were running at once within ${timeoutMs} ms; growth is scaled from ${atReached}`);
  const scale = 10_000 / Math.max(1, atReached);
  return {
    jobs,
    reached: atReached,
    heapPer10kBytes: (during.heapUsed - before.heapUsed) * scale,
    rssPer10kBytes: (during.rss - before.rss) * scale,
  };
}
