import type { ChildProcess } from "node:child_process";
import { Job, type Hopper } from "@hopper/core";
import { expect } from "vitest";

/**
 * For a child worker process: a perform that holds its job forever, printing
 * "holding <count>" as each one starts, so the test knows when to kill it.
 */
export function holdJobsForever(): () => Promise<void> {
  let holding = 0;
  return () => {
    holding += 1;
    process.stdout.write(`holding ${holding}\n`);
    return new Promise(() => {});
  };
}

/** The job both processes register (same wire name, same queue): the holder holds it, the test's worker runs `perform`. */
export function heldJobClass(queue: string, perform: () => Promise<void>) {
  return class HeldJob extends Job<{ n: number }> {
    static override jobName = "HeldJob";
    static override queue = queue;
    async perform() {
      await perform();
    }
  };
}

export interface RecordsAcrossKillOptions {
  /** A Hopper with records on and the held job registered, on the same backend as the holder. */
  readonly hopper: Hopper;
  readonly queue: string;
  /** The jobs, enqueued (their ids). */
  readonly ids: readonly string[];
  /** Starts a worker process (records on) whose jobs call `holdJobsForever`'s perform; its stdout is read. */
  readonly spawnHolder: () => ChildProcess;
  /** The lease this side's worker takes the redelivered jobs with. Default "2s". */
  readonly lease?: string;
}

/**
 * A worker SIGKILLed while it holds every job: the records still say running
 * (attempt 1), since nobody wrote since; once the lease ends another worker
 * runs them, and each record shows the redelivery (attempt 2) and success.
 */
export async function expectRecordsAcrossWorkerKill(options: RecordsAcrossKillOptions): Promise<void> {
  const { hopper, queue, ids } = options;
  const holder = options.spawnHolder();
  try {
    const exited = new Promise<NodeJS.Signals | null>((resolve) => holder.once("exit", (_code, signal) => resolve(signal)));
    await new Promise<void>((resolve, reject) => {
      holder.once("exit", () => reject(new Error("the holding worker exited before holding every job")));
      let output = "";
      holder.stdout!.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes(`holding ${ids.length}\n`)) resolve();
      });
    });
    holder.kill("SIGKILL");
    expect(await exited).toBe("SIGKILL");
    for (const id of ids) expect(await hopper.jobs.get(id)).toMatchObject({ state: "running", attempt: 1, finishedAt: null });

    const worker = hopper.worker({ queues: [queue], concurrency: ids.length, lease: options.lease ?? "2s", pollWait: "500ms", handleSignals: false });
    const running = worker.run();
    try {
      for (const id of ids) {
        // The killed worker's delivery counts: the redelivered copy runs as attempt 2.
        expect(await hopper.jobs.wait(id, { timeout: "30s" })).toMatchObject({ state: "succeeded", attempt: 2 });
      }
    } finally {
      await worker.stop();
      await running;
    }
  } finally {
    if (holder.exitCode === null && holder.signalCode === null) holder.kill("SIGKILL");
  }
}
