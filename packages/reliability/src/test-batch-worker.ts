// Child process of the batch run: one worker on RELIABILITY_URL running the batch jobs of RELIABILITY_QUEUE,
// writing runs and resolved acks to RELIABILITY_LEDGER (batch-jobs.ts). Prints "ready"; the parent SIGKILLs it.
import { createConsoleLogger, createHopper } from "@hopper/core";
import { recordAcks } from "./ack-ledger.js";
import { batchJobClasses } from "./batch-jobs.js";

const queue = process.env.RELIABILITY_QUEUE!;
const ledgerFile = process.env.RELIABILITY_LEDGER!;
const jobs = Object.values(batchJobClasses(queue, ledgerFile));
// Errors go to stderr, where the parent shows them when the run fails.
const hopper = createHopper({ url: process.env.RELIABILITY_URL!, jobs, logger: createConsoleLogger("error") });
recordAcks(await hopper.backend, ledgerFile);
const worker = hopper.worker({ queues: [queue], concurrency: 50, prefetch: 50, lease: "2s", pollWait: "200ms", shutdownTimeout: "5s" });
process.stdout.write("ready\n");
await worker.run();
await hopper.close();
