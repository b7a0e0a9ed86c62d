// Test-only: a job of one queue that runs 3 s, one class per worker, so a test can tell which worker ran it, how many
// runs started and ended, and the most that ran at once (lease tests: one copy, to its end).
import { Job, type JobClass } from "@hopper/core";

export interface LongRuns {
  readonly starts: string[];
  readonly ends: string[];
  readonly mostAtOnce: number;
  /** The job class a worker named `worker` runs. */
  jobOf(worker: string): JobClass<Job<Record<string, never>>>;
}

export function longRuns(queue: string, runMs = 3000): LongRuns {
  const starts: string[] = [];
  const ends: string[] = [];
  let running = 0;
  let mostAtOnce = 0;
  return {
    starts,
    ends,
    get mostAtOnce() {
      return mostAtOnce;
    },
    jobOf: (worker) =>
      class Long extends Job<Record<string, never>> {
        static override jobName = "Long";
        static override queue = queue;
        async perform(_args: Record<string, never>, context: { signal: AbortSignal }) {
          starts.push(worker);
          running += 1;
          mostAtOnce = Math.max(mostAtOnce, running);
          try {
            await new Promise((resolve) => setTimeout(resolve, runMs));
            if (context.signal.aborted) throw context.signal.reason;
            ends.push(worker);
          } finally {
            running -= 1;
          }
        }
      },
  };
}
