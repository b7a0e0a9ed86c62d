import { appendFileSync } from "node:fs";
import { Job, type JobContext } from "@hopper/core";

export interface ReliabilityArgs {
  readonly n: number;
}

/**
 * The job every reliability scenario runs: it records its completion in a
 * ledger file outside the backend, so a job the backend lost cannot hide.
 * One short `appendFileSync` per line: a SIGKILL lands between writes, and
 * what was written is in the kernel's hands.
 */
export function reliabilityJobClass(queue: string, ledgerFile: string | undefined) {
  return class ReliabilityJob extends Job<ReliabilityArgs> {
    static override jobName = "ReliabilityJob";
    static override queue = queue;
    async perform({ n }: ReliabilityArgs, context: JobContext) {
      // Yield once so jobs overlap, as real I/O-bound jobs do.
      await new Promise((resolve) => setImmediate(resolve));
      if (ledgerFile) appendFileSync(ledgerFile, `${n} ${context.jobId} ${context.attempt}\n`);
    }
  };
}
