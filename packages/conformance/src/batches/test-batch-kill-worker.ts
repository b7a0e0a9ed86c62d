// A worker process for the batch kill suite: runs the batch's jobs and SIGKILLs itself as it sends the
// batch's callback (or a chain's next step), between the claim and the enqueue.
import { createConsoleLogger, createHopper } from "@hopper/core";
import { batchKillJobs, killAtCallbackSend } from "./batch-kill-jobs.js";

const jobs = Object.values(batchKillJobs(process.env.FIXTURE_QUEUE!, (name) => process.stdout.write(`ran ${name}\n`)));
const hopper = createHopper({ url: process.env.HOPPER_URL!, jobs, middleware: [killAtCallbackSend], logger: createConsoleLogger("warn") });
await hopper.worker({ queues: [process.env.FIXTURE_QUEUE!], concurrency: 1, lease: "2s", pollWait: "200ms" }).run();
