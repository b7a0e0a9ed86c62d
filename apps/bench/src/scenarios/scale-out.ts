import type { BenchPlan } from "../bench-plan.js";
import { childStepBoundMs as stepBoundMs, ScaleOutChild } from "../child/scale-out-child.js";
import type { ScaleOutPoint, SubjectSpec } from "../report/result-types.js";
import { openServerCpu, type ServerCpu } from "../server-cpu/server-cpu.js";
import { now, type ConsumerShape } from "../subjects/bench-subject.js";
import { startCountNotes } from "./first-starts.js";
import { MergedStarts } from "./scale-out-starts.js";
import { uniqueQueueName } from "./scenario-context.js";

/** One worker's part: when its consumer was ready, the jobs whose first start it was credited with, and when its last one started. */
export interface WorkerReport {
  readonly consumingAt: number;
  readonly done: number;
  readonly lastDoneAt: number;
}

/**
 * The figure of one scale-out run: elapsed from the first worker's consumer
 * being ready to the last first start in any worker (the same span the drain
 * scenario times for one process), and the jobs done in it, each counted once.
 */
export function scaleOutFigure(workers: readonly WorkerReport[], timedOutAt?: number): { done: number; elapsedMs: number; rate: number } {
  const done = workers.reduce((sum, worker) => sum + worker.done, 0);
  if (workers.length === 0 || done === 0) return { done, elapsedMs: 0, rate: 0 };
  const startedAt = Math.min(...workers.map((worker) => worker.consumingAt));
  const endedAt = timedOutAt ?? Math.max(...workers.map((worker) => worker.lastDoneAt));
  const elapsedMs = Math.max(endedAt - startedAt, 1);
  return { done, elapsedMs, rate: (done * 1000) / elapsedMs };
}

/** CPU time spent over one scale-out drain, µs (each absent where it was not counted). */
export interface DrainCpu {
  readonly serverUs?: number;
  readonly workersUs?: number;
  /** Wall time between the two readings of the server's CPU, and of the workers' (their consumers' start to "stop"). */
  readonly windowMs: number;
  readonly done: number;
}

/** Per job and as cores kept busy over the window: the server's and the worker processes' together. */
export function scaleOutCpuFigures({ serverUs, workersUs, windowMs, done }: DrainCpu): Pick<ScaleOutPoint, "serverCpuUsPerJob" | "serverCores" | "workersCpuUsPerJob" | "workersCores"> {
  if (done === 0 || windowMs <= 0) return {};
  const windowUs = windowMs * 1000;
  return {
    ...(serverUs !== undefined && { serverCpuUsPerJob: serverUs / done, serverCores: serverUs / windowUs }),
    ...(workersUs !== undefined && { workersCpuUsPerJob: workersUs / done, workersCores: workersUs / windowUs }),
  };
}

/** The server's CPU read around `drain`: `serverUs` left out where no reader opened or a reading failed; `drain`'s own outcome either way. */
export async function serverCpuAround<T>(serverCpu: ServerCpu | undefined, drain: () => Promise<T>): Promise<{ result: T; serverUs?: number; windowMs: number }> {
  const before = await serverCpu?.read().catch(() => undefined);
  const startedAt = now();
  const result = await drain();
  const windowMs = now() - startedAt;
  const after = before === undefined ? undefined : await serverCpu?.read().catch(() => undefined);
  return { result, windowMs, ...(before !== undefined && after !== undefined && { serverUs: after - before }) };
}

/**
 * For each N in plan.scaleOut.workers: one child fills a fresh queue with
 * `jobs` jobs, N worker children (each at `concurrency`) start consuming it
 * together, and the parent merges the numbers of the jobs they started
 * (scale-out-starts.ts) until every job has started once or the bound passes;
 * repeated starts are noted per point. The filler keeps the queue until the
 * workers are done, then deletes it as every measurement does. The server's CPU (where
 * `server-cpu.ts` can count it) and the workers' own are taken over the drain.
 */
export async function runScaleOut(
  spec: SubjectSpec,
  plan: BenchPlan,
  onProgress: (label: string, done: number, total: number) => void,
  note: (text: string) => void = () => {},
): Promise<ScaleOutPoint[]> {
  const points: ScaleOutPoint[] = [];
  const serverCpu = await openServerCpu(spec);
  if (serverCpu) note(`scale-out: the server's CPU per job is that of ${serverCpu.source}, all of its work in each drain's window (every client's)`);
  else note(`scale-out: the server's CPU is not counted for ${spec.backend} here (not readable from this machine: a remote PostgreSQL, real SQS, the Pub/Sub emulator, or a Redis that did not answer INFO)`);
  try {
    for (const workerCount of plan.scaleOut.workers) points.push(await runScaleOutPoint(spec, plan, workerCount, serverCpu, onProgress, note));
  } finally {
    await serverCpu?.close();
  }
  return points;
}

async function runScaleOutPoint(
  spec: SubjectSpec,
  plan: BenchPlan,
  workerCount: number,
  serverCpu: ServerCpu | undefined,
  onProgress: (label: string, done: number, total: number) => void,
  note: (text: string) => void,
): Promise<ScaleOutPoint> {
  const { jobs, concurrency, fillBatch, timeoutMs } = plan.scaleOut;
  const label = `scale-out ${workerCount}×c=${concurrency}`;
  const queue = uniqueQueueName(`scale-${workerCount}`);
  const starts = new MergedStarts(jobs, workerCount);
  let drained!: () => void;
  const allDone = new Promise<void>((resolve) => (drained = resolve));
  const filler = new ScaleOutChild(spec);
  const workers: ScaleOutChild[] = [];
  try {
    onProgress(`${label}: filling ${jobs}`, 0, jobs);
    filler.send({ type: "fill", spec, queue, jobs, batch: fillBatch });
    await filler.next("filled", timeoutMs);
    for (let index = 0; index < workerCount; index += 1) {
      workers.push(
        new ScaleOutChild(spec, (message) => {
          starts.add(index, message);
          onProgress(label, starts.done, jobs);
          if (starts.done >= jobs) drained();
        }),
      );
    }
    for (const worker of workers) worker.send({ type: "work", spec, queue, concurrency, jobs });
    await Promise.all(workers.map((worker) => worker.next("ready", stepBoundMs)));
    const { result, serverUs, windowMs } = await serverCpuAround(serverCpu, async () => {
      for (const worker of workers) worker.send({ type: "start" });
      const consuming = await Promise.all(workers.map((worker) => worker.next("consuming", stepBoundMs)));
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([allDone.then(() => false), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeoutMs)))]);
      clearTimeout(timer);
      return { consuming, timedOut, stoppedAt: now() };
    });
    const { consuming, timedOut, stoppedAt } = result;
    if (serverCpu && serverUs === undefined) note(`${label}: the server's CPU could not be read (INFO or /proc failed mid-run): its cells are left out`);
    for (const worker of workers) worker.send({ type: "stop" });
    // Each worker sends its last starts before "stopped".
    const stopped = await Promise.all(workers.map((worker) => worker.next("stopped", stepBoundMs)));
    await Promise.all(workers.map((worker) => worker.close()));
    const reports = consuming.map((message, index) => ({ consumingAt: message.at, ...starts.worker(index) }));
    const figure = scaleOutFigure(reports, timedOut ? stoppedAt : undefined);
    const workersUs = stopped.every((message) => message.cpuUs !== undefined) ? stopped.reduce((sum, message) => sum + message.cpuUs!, 0) : undefined;
    return {
      workers: workerCount,
      concurrency,
      jobs,
      ...figure,
      timedOut,
      perWorker: reports.map((report) => report.done),
      repeatedStarts: starts.repeatedStarts,
      startsWithoutSeq: starts.startsWithoutSeq,
      consumer: consuming[0]!.shape as ConsumerShape,
      ...scaleOutCpuFigures({ serverUs, workersUs, windowMs, done: figure.done }),
    };
  } catch (error) {
    return { workers: workerCount, concurrency, jobs, done: starts.done, elapsedMs: 0, rate: 0, timedOut: false, perWorker: [], error: error instanceof Error ? error.message : String(error) };
  } finally {
    // Workers that failed or hung are not waited for.
    workers.forEach((worker) => worker.kill());
    await filler.close();
    startCountNotes(label, starts).forEach(note);
  }
}
