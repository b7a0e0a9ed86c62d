import { createConsoleLogger, createHopper } from "@hopper/core";
import type { Backend } from "@hopper/core/backend";
import { countedJobs } from "./one-at-a-time.js";

/** A backend whose calls to its server are counted (commands to Redis, statements to PostgreSQL). */
export interface CountedBackend {
  readonly backend: Backend;
  /**
   * Calls sent so far, leaving out the receive loop's looks (claims that found
   * nothing and waits, whose number depends on timing); a claim that leases
   * the job is one look on both sides, so leaving them out changes no comparison.
   */
  readonly calls: () => number;
}

export interface RecordRoundTrips {
  /** Calls per job to enqueue it (one `performLater` each). */
  readonly enqueue: number;
  /** Calls per job from its claim to its ack (record start and settle included when records are on). */
  readonly run: number;
}

/**
 * Counts the calls a job costs with records on (`records: {}`) or off, on a
 * fresh counted backend. One job goes through first, so one-time costs
 * (script loading, table creation, the server checks) stay out of the count.
 * Progress writes are not exercised: they are calls of their own (coalesced, one in flight per job).
 */
export async function countRecordRoundTrips(open: () => Promise<CountedBackend>, records: boolean, jobCount = 5): Promise<RecordRoundTrips> {
  const { backend, calls } = await open();
  const queue = `round-trips-${Math.random().toString(36).slice(2, 10)}`;
  const counted = countedJobs(queue, "done");
  const hopper = createHopper({ backend, jobs: [counted.jobClass], logger: createConsoleLogger("silent"), ...(records && { records: {} }) });
  const runOne = async (): Promise<number> => {
    const before = calls();
    await counted.runOneAtATime(hopper, 1);
    return calls() - before;
  };
  const enqueueOne = async (n: number): Promise<number> => {
    const before = calls();
    await counted.jobClass.performLater({ n });
    return calls() - before;
  };
  try {
    if (records) await hopper.jobs.get("round-trips-warm-up");
    await enqueueOne(0);
    await runOne();
    let enqueue = 0;
    let run = 0;
    for (let n = 1; n <= jobCount; n += 1) {
      enqueue += await enqueueOne(n);
      run += await runOne();
    }
    return { enqueue: enqueue / jobCount, run: run / jobCount };
  } finally {
    await hopper.close();
  }
}
