// Child process of the batch run: one worker on RELIABILITY_URL running the batch jobs of RELIABILITY_QUEUE,
// writing runs and resolved acks to RELIABILITY_LEDGER (batch-jobs.ts). Prints "ready"; the parent SIGKILLs it, once
// where it holds the big batch's onComplete ack.
import { appendFileSync } from "node:fs";
import { createConsoleLogger, createHopper, type Logger } from "@hopper/core";
import { recordAcks } from "./ack-ledger.js";
import { batchJobClasses, callbackRuns } from "./batch-jobs.js";

const queue = process.env.RELIABILITY_QUEUE!;
const ledgerFile = process.env.RELIABILITY_LEDGER!;
const jobs = Object.values(batchJobClasses(queue, ledgerFile));
// Errors go to stderr, where the parent shows them when the run fails. A run whose end the worker refused (its run
// claim fenced: `fencedEnd` on the warning) is written `r`, so the ledger does not count its ack as a success.
const stderr = createConsoleLogger("error");
const logger: Logger = {
  ...stderr,
  warn(message, fields) {
    if (fields?.fencedEnd === true && typeof fields.jobId === "string") appendFileSync(ledgerFile, `r ${fields.jobId} ${Date.now()}\n`);
    stderr.warn(message, fields);
  },
  // Warnings reach the wrapper; debug and info lines are still never built.
  isLevelEnabled: (level) => level === "warn" || stderr.isLevelEnabled?.(level) === true,
};
const hopper = createHopper({ url: process.env.RELIABILITY_URL!, jobs, logger });
// The big batch's onComplete: its run returned and the worker marked it succeeded; the ack it is about to send is held,
// so the run's SIGKILL lands between the two (a copy redelivered then must be dropped, not run again).
let held = false;
const holdCallbackAck = (jobId: string) => !held && callbackRuns.get(jobId) === "big on-complete" && (held = true);
recordAcks(await hopper.backend, ledgerFile, holdCallbackAck);
// 5 s, as the crash run: a stall past a 2 s lease while holding a run claim let a callback run twice (README, Known failures).
const worker = hopper.worker({ queues: [queue], concurrency: 50, prefetch: 50, lease: "5s", pollWait: "200ms", shutdownTimeout: "5s" });
process.stdout.write("ready\n");
await worker.run();
await hopper.close();
