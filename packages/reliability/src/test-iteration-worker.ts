// Child process of the iteration run: one worker (records on, so SIGKILL resumes from the record's
// checkpoint) running the iterable job of RELIABILITY_QUEUE, writing each item to RELIABILITY_LEDGER.
// Prints "ready" once working and "slow" after ITERATION_SLOW_AFTER items; SIGTERM stops it gracefully.
import { createConsoleLogger, createHopper } from "@hopper/core";
import { iterationJobClass } from "./iteration-job.js";

const queue = process.env.RELIABILITY_QUEUE!;
const IterationWalk = iterationJobClass(queue, process.env.RELIABILITY_LEDGER!, Number(process.env.ITERATION_SLOW_AFTER ?? Infinity), () => process.stdout.write("slow\n"));
// Errors go to stderr, where the parent shows them when the run fails.
const hopper = createHopper({ url: process.env.RELIABILITY_URL!, jobs: [IterationWalk], records: {}, logger: createConsoleLogger("error") });
const worker = hopper.worker({ queues: [queue], concurrency: 1, lease: "2s", pollWait: "200ms", shutdownTimeout: "30s" });
process.stdout.write("ready\n");
await worker.run();
await hopper.close();
