import { setTimeout as sleep } from "node:timers/promises";
import { latencyPercentiles } from "../statistics.js";
import type { DelayedResult, LatencyRun, RateSearch } from "../report/result-types.js";
import { now, type BenchJob } from "../subjects/bench-subject.js";
import { withCallers, type ScenarioContext } from "./scenario-context.js";

const tickMs = 5;

/**
 * Offers `rate` jobs/s for `durationMs` (one job per enqueue call, paced by the
 * clock, not by the previous call) to a running consumer, and records each
 * job's latency from its enqueue call to its start. Sustained means every job
 * started within the grace period after the last send and p99 ≤ the bound.
 */
export async function offerRate(context: ScenarioContext, rate: number, durationMs: number, label: string): Promise<LatencyRun> {
  const { subject, plan } = context;
  const { concurrency, graceMs, p99BoundMs } = plan.latency;
  const queue = context.queueName(`rate-${rate}`);
  await subject.prepare(queue);
  const total = Math.max(1, Math.round((rate * durationMs) / 1000));
  const latencies: number[] = [];
  let allStarted!: () => void;
  const started = new Promise<void>((resolve) => (allStarted = resolve));
  const consumer = await subject.consume(queue, concurrency, (job) => {
    latencies.push(now() - job.sentAt);
    if (latencies.length >= total) allStarted();
  });
  const sends: Promise<void>[] = [];
  let failures = 0;
  const startedAt = now();
  for (let sent = 0; sent < total; ) {
    const due = Math.min(total, Math.floor(((now() - startedAt) * rate) / 1000) + 1);
    for (; sent < due; sent += 1) {
      sends.push(subject.enqueueOne(queue, { sentAt: now(), padding: "" }).catch(() => void (failures += 1)));
    }
    context.progress(label, sent, total);
    await sleep(tickMs);
  }
  await Promise.all(sends);
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([started, new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)))]);
  clearTimeout(timer);
  await consumer.stop();
  if (failures > 0) context.note(`${label}: ${failures} enqueue call(s) failed`);
  const latency = latencyPercentiles(latencies);
  return { offeredRate: rate, concurrency, offered: total, received: latencies.length, latency, sustained: latencies.length >= total && latency.p99 <= p99BoundMs };
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
 * steps; then one run at half of the highest sustained rate, as long as the fixed-rate run, for its p99.
 */
export async function latencyAndRateSearch(context: ScenarioContext): Promise<{ fixed: LatencyRun; search: RateSearch }> {
  const { plan } = context;
  const fixed = await offerRate(context, plan.latency.rate, plan.latency.durationMs, `latency @${plan.latency.rate}/s`);
  const steps: LatencyRun[] = [];
  const step = async (rate: number) => {
    const run = await offerRate(context, rate, plan.latency.searchDurationMs, `rate search @${rate}/s`);
    steps.push(run);
    return run.sustained;
  };
  let highestSustained: number | undefined;
  let lowestFailing: number | undefined;
  for (const rate of [...plan.latency.searchRates].sort((left, right) => left - right)) {
    if (!(await step(rate))) {
      lowestFailing = rate;
      break;
    }
    highestSustained = rate;
  }
  for (let refinement = 0; refinement < plan.latency.refineSteps && highestSustained !== undefined && lowestFailing !== undefined; refinement += 1) {
    const rate = nextSearchRate(highestSustained, lowestFailing);
    if (rate === undefined) break;
    if (await step(rate)) highestSustained = rate;
    else lowestFailing = rate;
  }
  const halfRate = halfOfSustainedRate(highestSustained);
  const atHalf = halfRate === undefined ? undefined : await offerRate(context, halfRate, plan.latency.durationMs, `half of sustained @${halfRate}/s`);
  return { fixed, search: { p99BoundMs: plan.latency.p99BoundMs, highestSustained, steps, ...(atHalf && { atHalf }) } };
}

/**
 * Why a delayed run's table row shows fewer starts than jobs: the scenario waits only delay +
 * grace, so a subject that polls for due jobs less often than that shows 0 without this.
 */
export function delayedShortfallNote(received: number, total: number, boundMs: number): string | undefined {
  if (received >= total) return undefined;
  return `delayed: only ${received} of ${total} jobs started within ${boundMs} ms of being enqueued (delay + grace); the rest were not waited for, so the lateness figures leave them out`;
}

/** Jobs due `delayMs` after enqueue: how late each starts versus its runAt. */
export async function delayedJobs(context: ScenarioContext): Promise<DelayedResult | undefined> {
  const { subject, plan } = context;
  if (!subject.supportsDelay) return undefined;
  const { jobs: total, delayMs, concurrency, graceMs } = plan.delayed;
  const queue = context.queueName("delayed");
  await subject.prepare(queue);
  const lateness: number[] = [];
  let allStarted!: () => void;
  const started = new Promise<void>((resolve) => (allStarted = resolve));
  const consumer = await subject.consume(queue, concurrency, (job) => {
    lateness.push(now() - (job.runAt ?? job.sentAt));
    context.progress("delayed", lateness.length, total);
    if (lateness.length >= total) allStarted();
  });
  await withCallers(total, 10, async () => {
    const sentAt = now();
    const job: BenchJob = { sentAt, runAt: sentAt + delayMs, padding: "" };
    await subject.enqueueOne(queue, job, delayMs);
  });
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([started, new Promise<void>((resolve) => (timer = setTimeout(resolve, delayMs + graceMs)))]);
  clearTimeout(timer);
  await consumer.stop();
  const shortfall = delayedShortfallNote(lateness.length, total, delayMs + graceMs);
  if (shortfall) context.note(shortfall);
  return { delayMs, total, received: lateness.length, lateness: latencyPercentiles(lateness), early: lateness.filter((value) => value < 0).length };
}
