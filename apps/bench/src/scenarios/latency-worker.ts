import type { LatencyWorkerLayout } from "../bench-plan.js";
import { childStepBoundMs, ScaleOutChild } from "../child/scale-out-child.js";
import type { SubjectSpec } from "../report/result-types.js";
import { now, type BenchSubject } from "../subjects/bench-subject.js";
import { inProcessBackends } from "../targets.js";
import { FirstStarts, type StartCounts } from "./first-starts.js";

/**
 * A job's first start as a latency step counts it: when it started in the worker and when its enqueue call was made
 * in the producer (`BenchJob.sentAt`), both `now()`. In the `process` layout the two are read in two processes on
 * this machine, and are still one clock: `now()` reads CLOCK_MONOTONIC, one for the whole machine. (It was
 * `performance.timeOrigin + performance.now()` once, whose offset each process takes from the wall clock as it
 * starts: a process preempted between the two reads took one 1.2 ms off on a loaded CI machine.)
 * `clockDisagreement` checks it at each step.
 */
export type OnFirstStart = (startedAt: number, sentAt: number) => void;

/** One step's running consumer; the counts are the starts that were not first starts of a numbered job. */
export interface StepConsumer extends StartCounts {
  /** Resolves once the consumer stopped and each start it made reached `onFirstStart`. */
  stop(): Promise<void>;
}

/** Where the latency scenario's steps consume: beside the producer, or in a worker process of their own. */
export interface LatencyWorker {
  readonly layout: LatencyWorkerLayout;
  /** Resolves once a consumer of `queue` runs; `jobs`: the step's job count, its jobs numbered 0..jobs-1. */
  consume(queue: string, concurrency: number, jobs: number, onFirstStart: OnFirstStart): Promise<StepConsumer>;
  /** After the last step; a worker process whose consumer has not stopped is killed rather than waited for. */
  close(): Promise<void>;
}

/** The layout of every run before the choice: the consumer in the producer's process, sharing its event loop. */
export function sameProcessWorker(subject: BenchSubject): LatencyWorker {
  return {
    layout: "same",
    async consume(queue, concurrency, jobs, onFirstStart) {
      const starts = new FirstStarts(jobs);
      const consumer = await subject.consume(queue, concurrency, (job) => {
        if (starts.first(job.seq)) onFirstStart(now(), job.sentAt);
      });
      return {
        stop: () => consumer.stop(),
        get repeatedStarts() {
          return starts.repeats;
        },
        get startsWithoutSeq() {
          return starts.unnumbered;
        },
      };
    },
    async close() {},
  };
}

/** Most the worker's clock may read outside the round trip that asked it (ms): on one machine's monotonic clock, nothing. */
const clockToleranceMs = 1;

/** Why the worker's `now()` (read at `workerAt`) cannot be the producer's, whose `askedAt` and `answeredAt` bracket it; undefined when it can. */
export function clockDisagreement(askedAt: number, workerAt: number, answeredAt: number): string | undefined {
  if (workerAt >= askedAt - clockToleranceMs && workerAt <= answeredAt + clockToleranceMs) return undefined;
  const off = workerAt < askedAt ? workerAt - askedAt : workerAt - answeredAt;
  return `the latency worker process's clock read ${off.toFixed(3)} ms outside the bench process's round trip to it (tolerance ${clockToleranceMs} ms): its starts and the enqueue times would not be on one clock`;
}

/**
 * The consumer in a worker process of its own (`--latency-worker process`), as a web process that enqueues and a
 * worker are deployed: a scale-out worker child (child/scale-out-main.ts), one for all the steps, each step a fresh
 * queue. It reports its first starts' times in a batch every 100 ms (StartsReport.times), not one message per job.
 */
export function workerProcess(spec: SubjectSpec): LatencyWorker {
  if (inProcessBackends.includes(spec.backend)) throw new Error(`${spec.id}: an in-process backend cannot run the latency scenario with --latency-worker process (a worker process cannot share its queue); use same`);
  let onFirstStart: OnFirstStart = () => {};
  let counts = { repeatedStarts: 0, startsWithoutSeq: 0 };
  let stopping = false;
  const child = new ScaleOutChild(spec, (report) => {
    counts.repeatedStarts += report.repeats;
    counts.startsWithoutSeq += report.unnumbered;
    const { startedAt, sentAt } = report.times ?? { startedAt: [], sentAt: [] };
    startedAt.forEach((at, index) => onFirstStart(at, sentAt[index]!));
  });
  return {
    layout: "process",
    async consume(queue, concurrency, jobs, handler) {
      const step = { repeatedStarts: 0, startsWithoutSeq: 0 };
      counts = step;
      onFirstStart = handler;
      child.send({ type: "work", spec, queue, concurrency, jobs, timed: true });
      await child.next("ready", childStepBoundMs);
      const askedAt = now();
      child.send({ type: "start" });
      const { at } = await child.next("consuming", childStepBoundMs);
      const disagreement = clockDisagreement(askedAt, at, now());
      if (disagreement) throw new Error(disagreement);
      return {
        async stop() {
          stopping = true;
          child.send({ type: "stop" });
          // The step bounds this wait (offerRate); its reports all arrive before "stopped".
          await child.next("stopped", childStepBoundMs);
          stopping = false;
        },
        get repeatedStarts() {
          return step.repeatedStarts;
        },
        get startsWithoutSeq() {
          return step.startsWithoutSeq;
        },
      };
    },
    async close() {
      if (stopping) child.kill();
      else await child.close();
    },
  };
}

/** The plan's layout for `spec`'s subject. */
export function latencyWorkerFor(layout: LatencyWorkerLayout, spec: SubjectSpec, subject: BenchSubject): LatencyWorker {
  return layout === "process" ? workerProcess(spec) : sameProcessWorker(subject);
}
