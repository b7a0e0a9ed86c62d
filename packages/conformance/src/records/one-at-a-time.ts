import { Job, type Hopper, type JobClass } from "@hopper/core";

/** A job class on `queue` whose performs are counted, and a worker that runs them one at a time. */
export interface CountedJobs {
  readonly jobClass: JobClass<Job<{ n: number }, unknown>>;
  /**
   * Runs a worker of its own (concurrency 1, no prefetch: batching then never joins two jobs, so a count is
   * the same on every run) until `jobs` more jobs have been performed, then stops it; `stop()` waits for the
   * last run to settle, its ack included.
   */
  runOneAtATime(hopper: Hopper, jobs: number): Promise<void>;
}

export function countedJobs(queue: string, result?: unknown): CountedJobs {
  let performed = 0;
  let onPerformed = () => {};
  class CountedJob extends Job<{ n: number }> {
    static override jobName = "CountedJob";
    static override queue = queue;
    async perform(): Promise<unknown> {
      performed += 1;
      onPerformed();
      return result;
    }
  }
  return {
    jobClass: CountedJob,
    async runOneAtATime(hopper, jobs) {
      const target = performed + jobs;
      const worker = hopper.worker({ queues: [queue], concurrency: 1, prefetch: 0, handleSignals: false });
      const running = worker.run();
      await new Promise<void>((resolve) => {
        onPerformed = () => performed >= target && resolve();
        onPerformed();
      });
      await worker.stop();
      await running;
    },
  };
}
