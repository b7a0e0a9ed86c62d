import type { DrainPoint, PayloadPoint, RateResult } from "../report/result-types.js";
import { summarize } from "../statistics.js";
import { now } from "../subjects/bench-subject.js";
import { consumeCount, enqueueInBatches, makeJobs, repeatRates, withCallers, type ScenarioContext } from "./scenario-context.js";

/** Bound on the untimed clean-up drain after the single-enqueue runs; what is left stays in its own queue. */
const cleanupDrainMs = 1000;

/** Jobs/s of one job per call, `callers` calls in flight (a web app's request handlers). The jobs are then drained, untimed, after the backend's `afterFill`. */
export async function enqueueSingle(context: ScenarioContext): Promise<RateResult> {
  const { subject, plan } = context;
  const { singleJobs, callers } = plan.enqueue;
  return repeatRates(context, { label: "enqueue single", boundMs: plan.drain.timeoutMs, jobs: singleJobs }, async (_repetition, count) => {
    const queue = context.queueName("single");
    await subject.prepare(queue);
    const jobs = makeJobs(count);
    const startedAt = now();
    await withCallers(jobs.length, callers, (index) => subject.enqueueOne(queue, jobs[index]!));
    const rate = (jobs.length * 1000) / (now() - startedAt);
    await subject.afterFill?.(queue);
    const cleanup = await consumeCount(subject, queue, Math.max(...plan.drain.concurrency), jobs.length, Math.min(cleanupDrainMs, plan.drain.timeoutMs));
    return { rate, timedOut: false, done: jobs.length, repeatedStarts: cleanup.repeatedStarts, startsWithoutSeq: cleanup.startsWithoutSeq };
  });
}

/**
 * For each concurrency: bulk-enqueue N no-op jobs (timed: bulk enqueue rate),
 * prepare the server as for every subject of the backend (`afterFill`, untimed),
 * then start a consumer and time it to empty (drain rate).
 */
export async function enqueueBulkAndDrain(context: ScenarioContext): Promise<{ bulk: RateResult; drain: DrainPoint[] }> {
  const { subject, plan } = context;
  const bulk = new BulkSamples();
  const drain: DrainPoint[] = [];
  for (const concurrency of plan.drain.concurrency) {
    const label = `drain c=${concurrency}`;
    const rate = await repeatRates(context, { label, boundMs: plan.drain.timeoutMs, jobs: plan.drain.jobs }, async (repetition, count) => {
      const queue = context.queueName(`drain-${concurrency}`);
      await subject.prepare(queue);
      const jobs = makeJobs(count);
      const startedAt = now();
      await enqueueInBatches(subject, queue, jobs, plan.enqueue.bulkBatch);
      const bulkRate = (jobs.length * 1000) / (now() - startedAt);
      await subject.afterFill?.(queue);
      const run = await consumeCount(subject, queue, concurrency, jobs.length, plan.drain.timeoutMs, undefined, (done) =>
        context.progress(label, repetition + done / jobs.length, plan.warmup + plan.repetitions),
      );
      // Bulk rates compare only at the full N; a warm-up's sample is kept apart and used only when no warm one exists.
      if (count === plan.drain.jobs) bulk.add(bulkRate, repetition >= plan.warmup);
      return { rate: (run.done * 1000) / run.elapsedMs, timedOut: run.timedOut, done: run.done, repeatedStarts: run.repeatedStarts, startsWithoutSeq: run.startsWithoutSeq };
    });
    drain.push({ concurrency, rate, consumer: subject.shape(concurrency) });
  }
  const bulkRate = bulk.result();
  if (bulkRate.unwarmed) context.note("enqueue bulk: no measured run enqueued the full N (every warm-up hit its bound), so the figure comes from warm-up runs and is marked unwarmed (§)");
  return { bulk: bulkRate, drain };
}

/**
 * Bulk-enqueue samples, warm ones apart from warm-up ones: the result uses
 * the warm samples alone, and falls back to warm-up samples only when there is
 * no warm one, marked unwarmed, so a cold sample never mixes with warm ones.
 */
export class BulkSamples {
  private readonly warm: number[] = [];
  private readonly cold: number[] = [];

  add(rate: number, warm: boolean): void {
    (warm ? this.warm : this.cold).push(rate);
  }

  result(): RateResult {
    if (this.warm.length > 0 || this.cold.length === 0) return { summary: summarize(this.warm), samples: [...this.warm], timedOut: false };
    return { summary: summarize(this.cold), samples: [...this.cold], timedOut: false, unwarmed: true };
  }
}

/**
 * Per payload size: bulk-enqueue the jobs (timed apart: `bulkEnqueue`), then drain them at one concurrency, timed as
 * the drain is, from the consumer ready to the last first start (not through the consumer's stop); sizes above the
 * subject's limit are skipped with the reason.
 */
export async function payloadSizes(context: ScenarioContext): Promise<PayloadPoint[]> {
  const { subject, plan } = context;
  const points: PayloadPoint[] = [];
  for (const bytes of plan.payload.sizes) {
    if (bytes > subject.maxPayloadBytes) {
      points.push({ bytes, skipped: `larger than this backend's payload limit (${subject.maxPayloadBytes} B of job data)` });
      continue;
    }
    const label = `payload ${bytes} B`;
    const bulk = new BulkSamples();
    const rate = await repeatRates(context, { label, boundMs: plan.payload.timeoutMs, jobs: plan.payload.jobs }, async (repetition, count) => {
      const queue = context.queueName(`payload-${bytes}`);
      await subject.prepare(queue);
      const jobs = makeJobs(count, bytes);
      const startedAt = now();
      // Small bulk calls: big payloads hit per-call byte limits (SQS 256 KiB, Redis proto buffers).
      await enqueueInBatches(subject, queue, jobs, Math.max(1, Math.min(plan.enqueue.bulkBatch, Math.floor((1024 * 1024) / bytes))));
      if (count === plan.payload.jobs) bulk.add((jobs.length * 1000) / (now() - startedAt), repetition >= plan.warmup);
      await subject.afterFill?.(queue);
      const run = await consumeCount(subject, queue, plan.payload.concurrency, jobs.length, plan.payload.timeoutMs);
      return { rate: (run.done * 1000) / run.elapsedMs, timedOut: run.timedOut, done: run.done, repeatedStarts: run.repeatedStarts, startsWithoutSeq: run.startsWithoutSeq };
    });
    points.push({ bytes, rate, bulkEnqueue: bulk.result() });
  }
  return points;
}
