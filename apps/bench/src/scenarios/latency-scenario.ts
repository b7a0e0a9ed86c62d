import { setTimeout as sleep } from "node:timers/promises";
import { latencyPercentiles } from "../statistics.js";
import type { DelayedResult, LatencyRun, RateSearch, RateStepEnd } from "../report/result-types.js";
import { now, type BenchJob } from "../subjects/bench-subject.js";
import { settlesBy, waitUntil } from "./deadlines.js";
import { FirstStarts, startCountNotes } from "./first-starts.js";
import { sameProcessWorker, type LatencyWorker } from "./latency-worker.js";
import { isSustained, jobsLeftBehind, rateStepBounds, rateStepNote, searchMayContinue, type RateStepCounts } from "./rate-step-bounds.js";
import { withCallers, type ScenarioContext } from "./scenario-context.js";

const tickMs = 5;

/**
 * Offers `rate` jobs/s for `durationMs` (one job per enqueue call, paced by the clock, not by the previous call) to
 * a running consumer (beside the producer or in a worker process of its own: `worker`, latency-worker.ts), and
 * records each job's latency from its enqueue call to its start. The step ends within its bounds
 * (rate-step-bounds.ts) whatever the subject does: jobs count if they start within the grace period after the planned
 * end of offering (by their start time, which a worker process reports up to 100 ms later); the consumer then runs on
 * for one more grace period to start what is left (the next step finds none of it), and gets one more to stop.
 * Sustained means every job started in the window, p99 ≤ the bound and the consumer stopped.
 */
export async function offerRate(context: ScenarioContext, worker: LatencyWorker, rate: number, durationMs: number, label: string): Promise<LatencyRun> {
  const { subject, plan } = context;
  const { concurrency, graceMs, p99BoundMs } = plan.latency;
  const bounds = rateStepBounds(durationMs, graceMs);
  const queue = context.queueName(`rate-${rate}`);
  await subject.prepare(queue);
  const total = Math.max(1, Math.round((rate * durationMs) / 1000));
  const latencies: number[] = [];
  let startedLate = 0;
  // Set before the first offer, so before any start.
  let windowEnd = Number.POSITIVE_INFINITY;
  const consumer = await worker.consume(queue, concurrency, total, (startedAt, sentAt) => {
    if (startedAt <= windowEnd) latencies.push(startedAt - sentAt);
    else startedLate += 1;
  });
  let failures = 0;
  let pending = 0;
  const startedAt = now();
  windowEnd = startedAt + bounds.windowMs;
  for (let sent = 0; sent < total; ) {
    const due = Math.min(total, Math.floor(((now() - startedAt) * rate) / 1000) + 1);
    for (; sent < due; sent += 1) {
      pending += 1;
      subject
        .enqueueOne(queue, { sentAt: now(), padding: "", seq: sent })
        .catch(() => void (failures += 1))
        .finally(() => void (pending -= 1));
    }
    context.progress(label, sent, total);
    await sleep(tickMs);
  }
  await waitUntil(() => latencies.length >= total, windowEnd);
  const enqueuesPendingAtWindow = pending;
  await waitUntil(() => pending === 0 && latencies.length + startedLate + failures >= total, startedAt + bounds.cleanupMs);
  const enqueuesPendingAtEnd = pending;
  const consumerStopped = await settlesBy(consumer.stop(), startedAt + bounds.stopMs);
  const counts: RateStepCounts = { offered: total, startedInWindow: latencies.length, startedLate, enqueueFailures: failures, enqueuesPendingAtWindow, enqueuesPendingAtEnd, consumerStopped, repeatedStarts: consumer.repeatedStarts, startsWithoutSeq: consumer.startsWithoutSeq };
  const note = rateStepNote(label, counts, bounds);
  if (note) context.note(note);
  const latency = latencyPercentiles(latencies);
  const end: RateStepEnd = { boundMs: bounds.stopMs, elapsedMs: now() - startedAt, enqueuesPending: enqueuesPendingAtWindow, enqueuesPendingAtEnd, startedLate, leftBehind: jobsLeftBehind(counts), consumerStopped };
  return { offeredRate: rate, concurrency, offered: total, received: latencies.length, latency, sustained: isSustained(counts, latency.p99, p99BoundMs), end };
}

/** The geometric midpoint of a passing and a failing rate, or undefined when they are within 10% (close enough). */
export function nextSearchRate(passing: number, failing: number): number | undefined {
  if (failing <= passing * 1.1) return undefined;
  return Math.round(Math.sqrt(passing * failing));
}

/**
 * The offered rate of the run at half of the highest sustained rate (issue #18's p99 goal is stated there), or
 * undefined when no rate was sustained. Whole jobs per second, rounded half up, at least 1.
 */
export function halfOfSustainedRate(highestSustained: number | undefined): number | undefined {
  if (highestSustained === undefined || !(highestSustained > 0)) return undefined;
  return Math.max(1, Math.round(highestSustained / 2));
}

/**
 * The fixed-rate run, then the rate search: rising rates until one is not sustained, then optional bisection
 * steps; then one run at half of the highest sustained rate, as long as the fixed-rate run, for its p99. Every step
 * consumes through `worker` (the plan's layout: child-main.ts), closed at the end.
 */
export async function latencyAndRateSearch(context: ScenarioContext, worker: LatencyWorker = sameProcessWorker(context.subject)): Promise<{ fixed: LatencyRun; search: RateSearch }> {
  try {
    return await fixedRunAndSearch(context, worker);
  } finally {
    await worker.close();
  }
}

async function fixedRunAndSearch(context: ScenarioContext, worker: LatencyWorker): Promise<{ fixed: LatencyRun; search: RateSearch }> {
  const { plan } = context;
  const offer = (rate: number, durationMs: number, label: string) => offerRate(context, worker, rate, durationMs, label);
  // An unmeasured step first (when the profile warms up): the fixed-rate run was each subject's first pass through
  // this flow (its consumer started and stopped, one enqueue at a time), measured cold while every other scenario's
  // figures are warm. A warm-up whose consumer did not stop ends the subject's latency there, reported as it went.
  if (plan.warmup > 0) {
    const warmUp = await offer(plan.latency.rate, plan.latency.durationMs, `latency warm-up @${plan.latency.rate}/s`);
    if (!searchMayContinue(warmUp)) return { fixed: warmUp, search: { p99BoundMs: plan.latency.p99BoundMs, worker: worker.layout, highestSustained: undefined, steps: [] } };
  }
  const fixed = await offer(plan.latency.rate, plan.latency.durationMs, `latency @${plan.latency.rate}/s`);
  const steps: LatencyRun[] = [];
  // Once a step's consumer failed to stop, nothing more of this subject is measured (searchMayContinue).
  let stuck = !searchMayContinue(fixed);
  const step = async (rate: number) => {
    const run = await offer(rate, plan.latency.searchDurationMs, `rate search @${rate}/s`);
    steps.push(run);
    stuck = !searchMayContinue(run);
    return run.sustained;
  };
  let highestSustained: number | undefined;
  let lowestFailing: number | undefined;
  for (const rate of [...plan.latency.searchRates].sort((left, right) => left - right)) {
    if (stuck) break;
    if (!(await step(rate))) {
      lowestFailing = rate;
      break;
    }
    highestSustained = rate;
  }
  for (let refinement = 0; refinement < plan.latency.refineSteps && !stuck && highestSustained !== undefined && lowestFailing !== undefined; refinement += 1) {
    const rate = nextSearchRate(highestSustained, lowestFailing);
    if (rate === undefined) break;
    if (await step(rate)) highestSustained = rate;
    else lowestFailing = rate;
  }
  const halfRate = stuck ? undefined : halfOfSustainedRate(highestSustained);
  const atHalf = halfRate === undefined ? undefined : await offer(halfRate, plan.latency.durationMs, `half of sustained @${halfRate}/s`);
  return { fixed, search: { p99BoundMs: plan.latency.p99BoundMs, worker: worker.layout, highestSustained, steps, ...(atHalf && { atHalf }) } };
}

/**
 * Why a delayed run's table row shows fewer starts than jobs: the scenario waits only delay +
 * grace, so a subject that polls for due jobs less often than that shows 0 without this.
 */
export function delayedShortfallNote(received: number, total: number, boundMs: number): string | undefined {
  if (received >= total) return undefined;
  return `delayed: only ${received} of ${total} jobs started within ${boundMs} ms of being enqueued (delay + grace); the rest were not waited for, so the lateness figures leave them out`;
}

/** Jobs due `delayMs` after enqueue: how late each starts versus its runAt, each job counted at its first start (a redelivery is noted apart). */
export async function delayedJobs(context: ScenarioContext): Promise<DelayedResult | undefined> {
  const { subject, plan } = context;
  if (!subject.supportsDelay) return undefined;
  const { jobs: total, delayMs, concurrency, graceMs } = plan.delayed;
  const queue = context.queueName("delayed");
  await subject.prepare(queue);
  const lateness: number[] = [];
  const starts = new FirstStarts(total);
  let allStarted!: () => void;
  const started = new Promise<void>((resolve) => (allStarted = resolve));
  const consumer = await subject.consume(queue, concurrency, (job) => {
    if (!starts.first(job.seq)) return;
    lateness.push(now() - (job.runAt ?? job.sentAt));
    context.progress("delayed", lateness.length, total);
    if (lateness.length >= total) allStarted();
  });
  await withCallers(total, 10, async (seq) => {
    const sentAt = now();
    const job: BenchJob = { sentAt, runAt: sentAt + delayMs, padding: "", seq };
    await subject.enqueueOne(queue, job, delayMs);
  });
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([started, new Promise<void>((resolve) => (timer = setTimeout(resolve, delayMs + graceMs)))]);
  clearTimeout(timer);
  await consumer.stop();
  const shortfall = delayedShortfallNote(lateness.length, total, delayMs + graceMs);
  if (shortfall) context.note(shortfall);
  startCountNotes("delayed", { repeatedStarts: starts.repeats, startsWithoutSeq: starts.unnumbered }).forEach((note) => context.note(note));
  return { delayMs, total, received: lateness.length, lateness: latencyPercentiles(lateness), early: lateness.filter((value) => value < 0).length };
}
