// A worker process for the hung-job exit suite: its job ignores its timeout and
// hangs, and the worker is told to exit once the job is HUNG_AFTER past its timeout.
import { createConsoleLogger, createHopper } from "@hopper/core";
import { hungJobClass } from "./hung-job.js";

const HungJob = hungJobClass(process.env.FIXTURE_QUEUE!, async (context) => {
  process.stdout.write(`started ${context.jobId} ${context.attempt}\n`);
  // Ignores its signal: never settles.
  await new Promise(() => {});
});
const hopper = createHopper({ url: process.env.HOPPER_URL!, jobs: [HungJob], logger: createConsoleLogger("warn"), ...(process.env.FIXTURE_RECORDS === "on" && { records: {} }) });
await hopper.worker({ queues: [process.env.FIXTURE_QUEUE!], concurrency: 2, lease: "2s", pollWait: "200ms", shutdownTimeout: "1s", exitOnHungJob: process.env.HUNG_AFTER! }).run();
// Reaching here means the worker stopped without exiting for the hung job.
process.stdout.write("worker returned\n");
