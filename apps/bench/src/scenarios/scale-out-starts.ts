import { now } from "../subjects/bench-subject.js";
import { FirstStarts, type StartCounts } from "./first-starts.js";

/** A worker's starts since its previous report (child/scale-out-main.ts sends one every 100 ms while any came): scale-out's, and the latency scenario's in its `process` layout. */
export interface StartsReport {
  /** Numbers (`BenchJob.seq`) of the jobs this worker started for the first time, in start order: a job's number crosses IPC once per worker. */
  readonly seqs: readonly number[];
  /** Starts of a job this worker had started before. */
  readonly repeats: number;
  /** Starts of a job with no number of this run: each counts as a first start, as in the single-process scenarios. */
  readonly unnumbered: number;
  /** When (`now()`) the last of `seqs` or of the unnumbered starts happened; 0 when there were none. */
  readonly lastFirstAt: number;
  /**
   * Asked for by the latency scenario (`timed`): for every first start of this report, numbered or not, in start
   * order, when it started (`now()` in the worker) and when its enqueue call was made (`BenchJob.sentAt`, `now()`
   * in the producer): one clock, see scenarios/latency-worker.ts.
   */
  readonly times?: { readonly startedAt: readonly number[]; readonly sentAt: readonly number[] };
}

/** A worker's side: tallies its handler's starts by job number and hands out what is new since the last report. */
export class WorkerStarts {
  readonly #starts: FirstStarts;
  #seqs: number[] = [];
  #lastFirstAt = 0;
  #reported = { repeats: 0, unnumbered: 0 };
  readonly #timed: boolean;
  #startedAt: number[] = [];
  #sentAt: number[] = [];

  /** `timed`: each first start's time and its job's `sentAt` go in the reports too (the latency scenario's worker). */
  constructor(jobs: number, timed = false) {
    this.#starts = new FirstStarts(jobs);
    this.#timed = timed;
  }

  start(seq: number | undefined, at = now(), sentAt = Number.NaN): void {
    const kind = this.#starts.start(seq);
    if (kind === "repeat") return;
    if (kind === "first") this.#seqs.push(seq!);
    this.#lastFirstAt = at;
    if (!this.#timed) return;
    this.#startedAt.push(at);
    this.#sentAt.push(sentAt);
  }

  /** What is new since the last call, or undefined when nothing started. */
  take(): StartsReport | undefined {
    const repeats = this.#starts.repeats - this.#reported.repeats;
    const unnumbered = this.#starts.unnumbered - this.#reported.unnumbered;
    if (this.#seqs.length === 0 && unnumbered === 0 && repeats === 0) return undefined;
    const times = this.#timed && { times: { startedAt: this.#startedAt, sentAt: this.#sentAt } };
    const report = { seqs: this.#seqs, repeats, unnumbered, lastFirstAt: this.#lastFirstAt, ...times };
    this.#seqs = [];
    this.#startedAt = [];
    this.#sentAt = [];
    this.#lastFirstAt = 0;
    this.#reported = { repeats: this.#starts.repeats, unnumbered: this.#starts.unnumbered };
    return report;
  }
}

/**
 * The parent's side: merges every worker's reports, counting each job once across workers, so a job delivered to
 * two workers (or twice to one) neither ends the point early nor stands in for a job that never started. A job's
 * first start is credited to the worker whose report brought it first. A worker's span ends at the last start of its
 * last report that brought a first start: exact unless that report ends with a job another worker had started
 * (then at most one report interval late).
 */
export class MergedStarts implements StartCounts {
  readonly #starts: FirstStarts;
  readonly #workers: { done: number; lastDoneAt: number }[];
  #repeats = 0;
  #unnumbered = 0;

  constructor(jobs: number, workers: number) {
    this.#starts = new FirstStarts(jobs);
    this.#workers = Array.from({ length: workers }, () => ({ done: 0, lastDoneAt: 0 }));
  }

  add(worker: number, report: StartsReport): void {
    const tally = this.#workers[worker]!;
    let firsts = report.unnumbered;
    for (const seq of report.seqs) if (this.#starts.first(seq)) firsts += 1;
    this.#repeats += report.repeats;
    this.#unnumbered += report.unnumbered;
    if (firsts === 0) return;
    tally.done += firsts;
    tally.lastDoneAt = Math.max(tally.lastDoneAt, report.lastFirstAt);
  }

  /** Jobs started, each counted once, in every worker. */
  get done(): number {
    return this.#workers.reduce((sum, worker) => sum + worker.done, 0);
  }

  /** Starts of a job that had started before, in the same worker or another: in no other figure. */
  get repeatedStarts(): number {
    return this.#repeats + this.#starts.repeats;
  }

  /** Starts of a job with no number of this run (each counted as a first start). */
  get startsWithoutSeq(): number {
    return this.#unnumbered;
  }

  /** The first starts credited to `worker` and when its last one happened. */
  worker(worker: number): { readonly done: number; readonly lastDoneAt: number } {
    return { ...this.#workers[worker]! };
  }
}
