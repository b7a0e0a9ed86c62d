import { appendFileSync } from "node:fs";
import { Job, UnrecoverableError, type JobContext } from "@hopper/core";

/** The callbacks this process ran (job id → `<batch> <kind>`, e.g. `big on-complete`): the worker may hold one's ack. */
export const callbackRuns = new Map<string, string>();

/** A batch child: `flaky` attempts throw before one succeeds; `doomed` never succeeds (dead after its attempts); `adds` jobs it adds to its own batch. */
export interface BatchChildArgs {
  readonly n: number;
  readonly flaky?: number;
  readonly doomed?: boolean;
  readonly adds?: number;
}

/**
 * The batch run's jobs, on one queue, writing to a ledger file per process (a
 * synchronous append, so a SIGKILL hides no line that was written):
 *   `s <id> <job> <attempt> <ms>`  perform started, and when
 *   `d <id> <job>`            perform returned (the run succeeded; its ack may still be lost)
 *   `f <id> <job> <attempt>`  perform threw (a retry or a dead letter follows)
 *   `+ <parent id> <id>`      a running child added a job to its own batch
 *   `a <id> <ms>`             a message's ack resolved (ack-ledger.ts)
 *   `r <id> <ms>`             the worker refused this run's end: its run claim was fenced (test-batch-worker.ts)
 *   `h <id> <ms>`             the worker holds this callback's ack until the run SIGKILLs it (test-batch-worker.ts)
 */
export function batchJobClasses(queue: string, ledgerFile: string) {
  const write = (line: string) => appendFileSync(ledgerFile, `${line}\n`);
  class BatchChild extends Job<BatchChildArgs> {
    static override queue = queue;
    static override jobName = "batch-child";
    static override retry = { attempts: 3, wait: "200ms", jitter: 0.2 } as const;
    async perform(args: BatchChildArgs, context: JobContext) {
      write(`s ${context.jobId} batch-child ${context.attempt} ${Date.now()}`);
      if (args.doomed) {
        write(`f ${context.jobId} batch-child ${context.attempt}`);
        throw new UnrecoverableError("doomed: this child goes to the dead letters");
      }
      if (args.flaky !== undefined && context.attempt <= args.flaky) {
        write(`f ${context.jobId} batch-child ${context.attempt}`);
        throw new Error(`flaky: attempt ${context.attempt} of ${args.flaky + 1} fails`);
      }
      for (let index = 0; index < (args.adds ?? 0); index++) {
        const id = await context.batch!.add(BatchChild, { n: -1 });
        write(`+ ${context.jobId} ${id}`);
      }
      write(`d ${context.jobId} batch-child`);
    }
  }
  const callback = (kind: string) =>
    class extends Job<{ batch: string }> {
      static override queue = queue;
      static override jobName = `batch-${kind}`;
      async perform(args: { batch: string }, context: JobContext) {
        write(`s ${context.jobId} batch-${kind} ${context.attempt} ${Date.now()}`);
        callbackRuns.set(context.jobId, `${args.batch} ${kind}`);
        write(`d ${context.jobId} batch-${kind}`);
      }
    };
  return { BatchChild, OnSuccess: callback("on-success"), OnComplete: callback("on-complete") };
}
