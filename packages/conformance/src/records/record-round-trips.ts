import { createConsoleLogger, createHopper, Job } from "@hopper/core";
import type { Backend } from "@hopper/core/backend";

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
  let performed = 0;
  let onPerformed = () => {};
  class RoundTripJob extends Job<{ n: number }> {
    static override jobName = "RoundTripJob";
    static override queue = queue;
    async perform(): Promise<string> {
      performed += 1;
      onPerformed();
      return "done";
    }
  }
  const hopper = createHopper({ backend, jobs: [RoundTripJob], logger: createConsoleLogger("silent"), ...(records && { records: {} }) });
  // One job at a time, each by a worker of its own stopped once it ran: batching (acks gathered per
  // event-loop turn, group commits) then never joins two jobs, so the count is the same on every run.
  const runOne = async (): Promise<number> => {
    const target = performed + 1;
    const worker = hopper.worker({ queues: [queue], concurrency: 1, prefetch: 0, handleSignals: false });
    const before = calls();
    const running = worker.run();
    await new Promise<void>((resolve) => {
      onPerformed = () => performed >= target && resolve();
      onPerformed();
    });
    // stop() waits for the run in flight to settle (ack included).
    await worker.stop();
    await running;
    return calls() - before;
  };
  const enqueueOne = async (n: number): Promise<number> => {
    const before = calls();
    await RoundTripJob.performLater({ n });
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
