import { randomUUID } from "node:crypto";
import type { BenchPlan } from "../bench-plan.js";
import { FirstStarts, startCountNotes, type StartCounts } from "./first-starts.js";
import { summarize } from "../statistics.js";
import type { RateResult } from "../report/result-types.js";
import { now, type BenchJob, type BenchSubject, type JobHandler } from "../subjects/bench-subject.js";

export interface ScenarioContext {
  readonly subject: BenchSubject;
  readonly plan: BenchPlan;
  /** Reports progress to the parent's display. */
  progress(label: string, done: number, total: number): void;
  note(text: string): void;
  /** A fresh queue name for one measurement, unique across runs. */
  queueName(tag: string): string;
}

const runTag = randomUUID().slice(0, 8);

export function uniqueQueueName(tag: string): string {
  return `bench-${runTag}-${tag}-${randomUUID().slice(0, 6)}`.replace(/[^a-zA-Z0-9-]/g, "-");
}

/** `count` jobs numbered `firstSeq` on (`BenchJob.seq`), so whoever consumes them counts each at its first start. */
export function makeJobs(count: number, paddingBytes = 0, firstSeq = 0): BenchJob[] {
  const padding = "x".repeat(paddingBytes);
  return Array.from({ length: count }, (_, index) => ({ sentAt: now(), padding, seq: firstSeq + index }));
}

/** Enqueues `jobs` in bulk calls of `batch` each, one call at a time. */
export async function enqueueInBatches(subject: BenchSubject, queue: string, jobs: readonly BenchJob[], batch: number): Promise<void> {
  for (let index = 0; index < jobs.length; index += batch) await subject.enqueueMany(queue, jobs.slice(index, index + batch));
}

/** Runs `task(index)` for indexes 0..count-1 with `callers` in flight. */
export async function withCallers(count: number, callers: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const loop = async () => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(callers, count) }, loop));
}

export interface CountedRun extends StartCounts {
  /** Jobs started, each counted once (at its first start). */
  readonly done: number;
  readonly elapsedMs: number;
  readonly timedOut: boolean;
}

/**
 * Consumes `queue` until each of its `expected` jobs (numbered 0..expected-1, as `makeJobs` numbers them) finished
 * once, or `timeoutMs` passed, then stops the consumer. A redelivered job's later starts run `onJob` but count apart
 * (`repeatedStarts`), so they neither end the run early nor hide a job that never started; a job without a number
 * counts at every start (`startsWithoutSeq` says how often). Elapsed time runs from the consumer being ready to the
 * last first start finishing.
 */
export async function consumeCount(
  subject: BenchSubject,
  queue: string,
  concurrency: number,
  expected: number,
  timeoutMs: number,
  onJob: JobHandler = () => {},
  onProgress: (done: number) => void = () => {},
): Promise<CountedRun> {
  const starts = new FirstStarts(expected);
  let done = 0;
  let lastDoneAt = 0;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const consumer = await subject.consume(queue, concurrency, async (job) => {
    await onJob(job);
    if (!starts.first(job.seq)) return;
    done += 1;
    lastDoneAt = now();
    if (done % 50 === 0) onProgress(done);
    if (done >= expected) finish();
  });
  const startedAt = now();
  let timer: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([finished.then(() => false), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeoutMs)))]);
  clearTimeout(timer);
  const elapsedMs = (timedOut ? now() : lastDoneAt) - startedAt;
  await consumer.stop();
  onProgress(done);
  return { done, repeatedStarts: starts.repeats, startsWithoutSeq: starts.unnumbered, elapsedMs, timedOut };
}

export interface RepeatOptions {
  readonly label: string;
  readonly boundMs: number;
  /** Jobs per run at the start. */
  readonly jobs: number;
}

/** What one run reports: its rate, whether it hit the bound, and how many jobs it finished. */
export interface RunOutcome {
  readonly rate: number;
  readonly timedOut: boolean;
  readonly done: number;
  /** Starts of a job that had started before, and of a job without a number, noted for the point (summed over its runs). */
  readonly repeatedStarts?: number;
  readonly startsWithoutSeq?: number;
}

/** Jobs for the measured runs after a warm-up finished only `done` in the bound: about half, so each run empties in half the bound. */
export function shrunkJobs(done: number): number {
  return Math.max(5, Math.floor(done / 2));
}

/**
 * Runs `measure(repetition, jobs)` for the warm-up and the repetitions,
 * keeping the measured rates. A warm-up that hits the time bound shrinks the
 * job count so the measured runs can empty, and marks the result unwarmed (§):
 * none of its runs followed a finished warm-up, so its figures are never
 * mixed with, or shown as, warm ones. A measured run that hits the bound ends
 * the series: its partial rate is kept and flagged, as repeating a
 * bound-limited run would only spend time.
 */
export async function repeatRates(context: ScenarioContext, options: RepeatOptions, measure: (repetition: number, jobs: number) => Promise<RunOutcome>): Promise<RateResult> {
  const { label, boundMs } = options;
  const total = context.plan.warmup + context.plan.repetitions;
  const samples: number[] = [];
  let jobs = options.jobs;
  let timedOut = false;
  let unwarmed = false;
  let repeatedStarts = 0;
  let startsWithoutSeq = 0;
  for (let repetition = 0; repetition < total; repetition += 1) {
    context.progress(label, repetition, total);
    const result = await measure(repetition, jobs);
    repeatedStarts += result.repeatedStarts ?? 0;
    startsWithoutSeq += result.startsWithoutSeq ?? 0;
    const warmup = repetition < context.plan.warmup;
    if (warmup && result.timedOut) {
      unwarmed = true;
      const fewer = shrunkJobs(result.done);
      if (fewer < jobs) {
        context.note(`${label}: the warm-up finished ${result.done} of ${jobs} jobs within the ${boundMs} ms bound; measured runs use ${fewer} jobs and are marked unwarmed (§)`);
        jobs = fewer;
        continue;
      }
      context.note(`${label}: the warm-up finished ${result.done} of ${jobs} jobs within the ${boundMs} ms bound; its figure is marked unwarmed (§)`);
    }
    if (!warmup || result.timedOut) samples.push(result.rate);
    if (result.timedOut) {
      timedOut = true;
      context.note(`${label}: hit the ${boundMs} ms bound with ${result.done} of ${jobs} jobs done; the rate counts those, from ${samples.length} run(s)`);
      break;
    }
  }
  context.progress(label, total, total);
  startCountNotes(label, { repeatedStarts, startsWithoutSeq }).forEach((note) => context.note(note));
  return { summary: summarize(samples), samples, timedOut, ...(unwarmed && { unwarmed }) };
}
