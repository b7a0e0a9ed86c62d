import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import { IpcChild } from "../child/ipc-child.js";
import type { RateLimitDeclaration, RateLimitMessage, RateLimitRequest } from "../child/rate-limit-protocol.js";
import type { BackendName } from "../bench-options.js";
import type { SubjectSpec } from "../report/result-types.js";
import { now } from "../subjects/bench-subject.js";
import { addCounts, bucketFigures, byKey, documentedBound, expectedPerBucket, perJob, windowStats, type RateSpec, type WindowStats } from "./rate-limit-figures.js";
import { uniqueQueueName } from "./scenario-context.js";

const rateLimitMain = fileURLToPath(new URL("../child/rate-limit-main.ts", import.meta.url));
const stepBoundMs = 120_000;
/** Workers run this long past the measured span: the first slots come after start-up, and the span is counted from them. */
const leadMs = 3000;
const windowMs = 1000;

export interface RateLimitPlan {
  readonly backend: BackendName;
  readonly url: string;
  readonly rate: RateSpec;
  readonly burst: number;
  readonly keys: number;
  readonly workers: number;
  readonly concurrency: number;
  readonly durationMs: number;
}

/** One run of the rate-limit scenario: the store's decisions, the perform starts and what they cost. */
export interface RateLimitPoint {
  readonly backend: string;
  readonly workers: number;
  readonly concurrency: number;
  readonly limit: number;
  readonly per: string;
  readonly burst: number;
  /** Buckets: 1 without a key function, else the key count. */
  readonly buckets: number;
  readonly durationMs: number;
  readonly filled: number;
  /** Slots granted within `durationMs` of each bucket's first slot, every bucket together, and what a saturated limit owes. */
  readonly granted: number;
  readonly expected: number;
  /** granted ÷ duration (every bucket together). */
  readonly achievedRate: number;
  /** Per-1 s windows of granted slots (store clock), over every bucket, against `bound`. */
  readonly slotWindows: WindowStats;
  /** The same for perform starts (this machine's clock): they lag their slots by the workers' load. */
  readonly startWindows: WindowStats;
  /** The documented most in any 1 s of one bucket: ⌈1 s ÷ interval⌉ + burst − 1. */
  readonly bound: number;
  /** Fewest and most slots granted to one bucket within its span (a starving bucket shows here). */
  readonly bucketGranted: { readonly min: number; readonly max: number };
  /** From the first worker consuming to the first perform start, and to the last worker's first start. */
  readonly firstStartMs: number;
  readonly lastWorkerFirstStartMs: number;
  /** Perform starts per worker over the whole run. */
  readonly perWorker: readonly number[];
  /** Every perform start of the run (also past the measured span): the denominator of the per-job costs. */
  readonly jobsRun: number;
  /** Coordination-store calls per job run, by method (`takeRateSlot:refused` are among `takeRateSlot`), and in all. */
  readonly storeCallsPerJob: Readonly<Record<string, number>>;
  readonly storeCallsPerJobTotal: number;
  /** Redis only: every server command per job run (INFO commandstats deltas over the run: the backend's and the store's). */
  readonly redisCommandsPerJob?: Readonly<Record<string, number>>;
  readonly redisCommandsPerJobTotal?: number;
  /** Node CPU (user + system) of the worker processes per job run, µs. */
  readonly cpuUsPerJob: number;
  readonly leftover: number;
  readonly error?: string;
}

async function commandCalls(admin: Redis | undefined): Promise<Map<string, number> | undefined> {
  if (!admin) return undefined;
  const calls = new Map<string, number>();
  for (const match of (await admin.info("commandstats")).matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) calls.set(match[1]!, Number(match[2]));
  return calls;
}

function commandDeltas(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const deltas: Record<string, number> = {};
  for (const [name, calls] of after) {
    // The INFO calls of this measurement are not the run's.
    const delta = calls - (before.get(name) ?? 0);
    if (delta > 0 && name !== "info") deltas[name] = delta;
  }
  return deltas;
}

const sum = (values: Iterable<number>) => [...values].reduce((total, value) => total + value, 0);

/**
 * N worker processes share one limit: a filler enqueues more jobs than the limit
 * lets run in the span (the bucket stays saturated), the workers start together and
 * run for the span plus a lead, then stop; the filler drains the rest unlimited.
 */
export async function runRateLimit(plan: RateLimitPlan, onProgress: (line: string) => void = () => {}): Promise<RateLimitPoint> {
  const { rate, burst, keys, workers: workerCount, concurrency, durationMs } = plan;
  const declaration: RateLimitDeclaration = { limit: rate.limit, per: rate.per, burst, keys };
  const buckets = Math.max(keys, 1);
  const expected = buckets * expectedPerBucket(rate, burst, durationMs);
  // Enough that no bucket runs dry over the span and the lead, with every worker's buffer full.
  const filled = Math.ceil(buckets * expectedPerBucket(rate, burst, durationMs + leadMs) * 1.2) + workerCount * (concurrency + 200);
  const spec: SubjectSpec = { id: `${plan.backend}/hopper`, backend: plan.backend, kind: "hopper", library: "hopper", description: "rate-limited jobs", connection: plan.url, env: {} };
  const queue = uniqueQueueName(`rate-${workerCount}`);
  const base = { backend: plan.backend, workers: workerCount, concurrency, limit: rate.limit, per: rate.per, burst, buckets, durationMs, filled, expected, bound: documentedBound(rate, burst, windowMs) };
  const filler = new IpcChild<RateLimitRequest, RateLimitMessage>(rateLimitMain, spec);
  const workers: IpcChild<RateLimitRequest, RateLimitMessage>[] = [];
  const admin = /^rediss?:/.test(plan.url) ? new Redis(plan.url, { lazyConnect: false }) : undefined;
  try {
    onProgress(`${plan.backend} ${workerCount} workers: filling ${filled}`);
    filler.send({ type: "fill", url: plan.url, queue, jobs: filled, declaration });
    await filler.next("filled", 600_000);
    for (let index = 0; index < workerCount; index += 1) workers.push(new IpcChild(rateLimitMain, spec));
    for (const worker of workers) worker.send({ type: "work", url: plan.url, queue, concurrency, declaration });
    await Promise.all(workers.map((worker) => worker.next("ready", stepBoundMs)));
    const commandsBefore = await commandCalls(admin);
    for (const worker of workers) worker.send({ type: "start" });
    const consuming = await Promise.all(workers.map((worker) => worker.next("consuming", stepBoundMs)));
    onProgress(`${plan.backend} ${workerCount} workers: running ${(durationMs + leadMs) / 1000} s`);
    await new Promise((resolve) => setTimeout(resolve, durationMs + leadMs));
    for (const worker of workers) worker.send({ type: "stop" });
    const finals = await Promise.all(workers.map((worker) => worker.next("stopped", stepBoundMs)));
    const commandsAfter = await commandCalls(admin);
    filler.send({ type: "close" });
    const { leftover } = await filler.next("closed", 600_000);

    const slots = finals.flatMap((final) => final.slots);
    const starts = finals.flatMap((final) => final.starts);
    const slotBuckets = [...byKey(slots).values()].map((times) => bucketFigures(times, windowMs, durationMs));
    const startBuckets = [...byKey(starts).values()].map((times) => bucketFigures(times, windowMs, durationMs));
    const granted = sum(slotBuckets.map((bucket) => bucket.granted));
    const grantedPerBucket = slotBuckets.map((bucket) => bucket.granted);
    // A bucket that never got a slot is a starving one: it counts as 0.
    while (grantedPerBucket.length < buckets) grantedPerBucket.push(0);
    const consumingFrom = Math.min(...consuming.map((message) => message.at));
    const firstStartOf = (index: number) => Math.min(...finals[index]!.starts.map((start) => start.at));
    const jobsRun = starts.length;
    const storeCalls = addCounts(finals.map((final) => final.storeCalls));
    const commands = commandsBefore && commandsAfter ? commandDeltas(commandsBefore, commandsAfter) : undefined;
    // Slots are on the store's clock, starts and "consuming" on this machine's wall clock (Date.now()).
    return {
      ...base,
      granted,
      achievedRate: (granted * 1000) / durationMs,
      slotWindows: windowStats(slotBuckets),
      startWindows: windowStats(startBuckets),
      bucketGranted: { min: Math.min(...grantedPerBucket), max: Math.max(...grantedPerBucket) },
      firstStartMs: Math.min(...finals.map((_, index) => firstStartOf(index))) - consumingFrom,
      lastWorkerFirstStartMs: Math.max(...finals.map((_, index) => firstStartOf(index))) - consumingFrom,
      perWorker: finals.map((final) => final.starts.length),
      jobsRun,
      storeCallsPerJob: perJob(storeCalls, jobsRun),
      storeCallsPerJobTotal: jobsRun > 0 ? sum(Object.entries(storeCalls).filter(([name]) => !name.includes(":")).map(([, calls]) => calls)) / jobsRun : 0,
      ...(commands && { redisCommandsPerJob: perJob(commands, jobsRun), redisCommandsPerJobTotal: jobsRun > 0 ? sum(Object.values(commands)) / jobsRun : 0 }),
      cpuUsPerJob: jobsRun > 0 ? sum(finals.map((final) => final.cpuUs)) / jobsRun : 0,
      leftover,
    };
  } catch (error) {
    return {
      ...base,
      granted: 0,
      achievedRate: 0,
      slotWindows: { max: 0, min: 0, p50: 0, busiestSliding: 0 },
      startWindows: { max: 0, min: 0, p50: 0, busiestSliding: 0 },
      bucketGranted: { min: 0, max: 0 },
      firstStartMs: 0,
      lastWorkerFirstStartMs: 0,
      perWorker: [],
      jobsRun: 0,
      storeCallsPerJob: {},
      storeCallsPerJobTotal: 0,
      cpuUsPerJob: 0,
      leftover: 0,
      error: error instanceof Error ? error.message : String(error),
    };
  } finally {
    workers.forEach((worker) => worker.kill());
    filler.kill();
    admin?.disconnect();
  }
}
