import { setTimeout as sleep } from "node:timers/promises";
import type { JobClass } from "@hopper/core";
import { planJob, type JobClassName, type JobMixOptions, type PlannedJob } from "./job-mix.js";

export interface ProducerOptions {
  readonly classes: Record<JobClassName, JobClass>;
  readonly mix: JobMixOptions;
  readonly jobs: number;
  /** Enqueuing is spread over this long, so the faults land while it goes on. */
  readonly spreadMs: number;
  /**
   * Called once, when half the jobs are planned, with a bulk enqueue of `midBatchJobs`
   * jobs just sent and not yet answered: the fault lands in the middle of that batch.
   */
  readonly midBatch?: (batch: Promise<unknown>) => Promise<void>;
  readonly midBatchJobs: number;
}

/**
 * Enqueues the job mix as an application would, single calls and bulk calls
 * mixed, while the scenario kills workers and servers. Only what an enqueue
 * call resolved with is owed: a rejected call (even one that sent part of its
 * batch) owes nothing, and its jobs may or may not run.
 */
export class Producer {
  /** Job id → kind, for every id an enqueue call resolved with. */
  readonly owed = new Map<string, string>();
  acceptedCalls = 0;
  rejectedCalls = 0;
  rejectedJobs = 0;
  /** Second enqueues of a unique or dedupe key that returned the first one's id. */
  deduplicated = 0;
  readonly rejections: string[] = [];
  private next = 0;

  constructor(private readonly options: ProducerOptions) {}

  async run(): Promise<void> {
    const started = Date.now();
    let midBatchSent = this.options.midBatch === undefined;
    while (this.next < this.options.jobs) {
      if (!midBatchSent && this.next >= this.options.jobs / 2) {
        midBatchSent = true;
        const batch = this.send(this.plan(this.options.midBatchJobs).filter((job) => job.jobClass === "ReliabilityJob" && !job.options));
        await this.options.midBatch!(batch);
        await batch;
        continue;
      }
      // Bulk calls of 2 to 200 jobs, with a single call now and then.
      const size = Math.random() < 0.3 ? 1 : 2 + Math.floor(Math.random() * 199);
      const planned = this.plan(size);
      // What a bulk call can carry (one class, no per-job options) goes in one; the rest one by one.
      await this.send(planned.filter((job) => job.jobClass === "ReliabilityJob" && !job.options && !job.twice));
      for (const job of planned.filter((candidate) => candidate.jobClass !== "ReliabilityJob" || candidate.options || candidate.twice)) await this.sendOne(job);
      const dueAt = started + (this.next / this.options.jobs) * this.options.spreadMs;
      if (dueAt > Date.now()) await sleep(dueAt - Date.now());
    }
  }

  private plan(count: number): PlannedJob[] {
    const planned: PlannedJob[] = [];
    for (; count > 0 && this.next < this.options.jobs; count--) planned.push(planJob(this.next++, this.options.mix));
    return planned;
  }

  private async send(planned: PlannedJob[]): Promise<void> {
    if (planned.length === 0) return;
    if (planned.length === 1) return this.sendOne(planned[0]!);
    try {
      const ids = await this.options.classes.ReliabilityJob.performAllLater(planned.map((job) => job.args));
      this.acceptedCalls += 1;
      ids.forEach((id, index) => this.owed.set(id, planned[index]!.args.kind ?? "plain"));
    } catch (error) {
      await this.reject(planned.length, error);
    }
  }

  private async sendOne(job: PlannedJob): Promise<void> {
    const enqueue = () => this.options.classes[job.jobClass].set(job.options ?? {}).performLater(job.args);
    try {
      const id = await enqueue();
      this.acceptedCalls += 1;
      this.owed.set(id, job.args.kind ?? "plain");
      if (!job.twice) return;
      const again = await enqueue();
      this.acceptedCalls += 1;
      if (again === id) this.deduplicated += 1;
      else this.owed.set(again, job.args.kind ?? "plain"); // the first had finished already: a new job, owed too
    } catch (error) {
      await this.reject(1, error);
    }
  }

  private async reject(jobs: number, error: unknown): Promise<void> {
    this.rejectedCalls += 1;
    this.rejectedJobs += jobs;
    if (this.rejections.length < 5) this.rejections.push(String(error).slice(0, 200));
    // The server is down: an application would back off too.
    await sleep(100);
  }
}
