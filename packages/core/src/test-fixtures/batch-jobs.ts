import type { Hopper } from "../hopper.js";
import { Job } from "../job.js";

/** Jobs a batch or flow must refuse: one declared unique (register it), one never registered. For tests. */
export function refusedBatchJobs(queue: string) {
  class Unique extends Job<{ n: number }> {
    static override queue = queue;
    static override jobName = `${queue}-unique`;
    static override unique = { key: (args: { n: number }) => String(args.n) };
    async perform() {}
  }
  class NotRegistered extends Job<Record<string, never>> {
    async perform() {}
  }
  return { Unique, NotRegistered };
}

/** Takes every message of `queue` off the Hopper's (memory) backend, as a platform pushing them would. For tests. */
export async function takeAll(hopper: Hopper, queue: string) {
  const backend = await hopper.backend;
  return backend.receive({ queue, maxMessages: 100, waitMs: 0, leaseMs: 60_000 });
}
