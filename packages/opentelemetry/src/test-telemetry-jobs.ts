// Test-only: the jobs both processes of the telemetry test register (same wire names, one queue per run).
import { Job, type JobContext } from "@hopper/core";

export function telemetryJobs(queue: string) {
  class Succeeds extends Job<{ n: number }> {
    static override jobName = "Succeeds";
    static override queue = queue;
    async perform() {}
  }
  /** Fails its first two attempts, then succeeds. */
  class Flaky extends Job<{ n: number }> {
    static override jobName = "Flaky";
    static override queue = queue;
    static override retry = { attempts: 5, wait: 10, jitter: 0 };
    async perform(_args: { n: number }, context: JobContext) {
      if (context.attempt < 3) throw new TypeError(`flaky attempt ${context.attempt}`);
    }
  }
  /** Always fails; dead after its second attempt. */
  class Doomed extends Job<{ n: number }> {
    static override jobName = "Doomed";
    static override queue = queue;
    static override retry = { attempts: 2, wait: 10, jitter: 0 };
    async perform() {
      throw new RangeError("doomed");
    }
  }
  return { Succeeds, Flaky, Doomed };
}
