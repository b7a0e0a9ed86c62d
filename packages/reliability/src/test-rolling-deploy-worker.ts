// Child process of the rolling-deploy scenario: a worker of one release
// (ROLLING_VERSION 1, 2 or 3) of RollingDeployJob on RELIABILITY_URL. It appends
// each run, and each payload it held back as too new, to ROLLING_EVENTS.
// SIGTERM stops it gracefully (a release being retired).
import { createConsoleLogger, createHopper, type Logger } from "@hopper/core";
import { appendEvent, rollingDeployJobClass, rollingDeployVersions, type RollingDeployVersion } from "./rolling-deploy-jobs.js";

const version = Number(process.env.ROLLING_VERSION) as RollingDeployVersion;
if (!rollingDeployVersions.includes(version)) throw new Error(`ROLLING_VERSION must be one of ${rollingDeployVersions.join(", ")}, got ${JSON.stringify(process.env.ROLLING_VERSION)}`);
const url = process.env.RELIABILITY_URL!;
const queue = process.env.RELIABILITY_QUEUE!;
const eventsFile = process.env.ROLLING_EVENTS!;

// Errors go to stderr, where the parent counts them. A hold is a warning that
// carries the payload's and the worker's versions: that is what gets recorded.
const errors = createConsoleLogger("error");
const logger: Logger = {
  ...errors,
  warn(message, fields) {
    if (typeof fields?.jobId === "string" && typeof fields.payloadVersion === "number" && typeof fields.knownVersion === "number") {
      appendEvent(eventsFile, { event: "held", jobId: fields.jobId, payloadVersion: fields.payloadVersion, at: Date.now() });
    }
    errors.warn(message, fields);
  },
};
const hopper = createHopper({ url, jobs: [rollingDeployJobClass(version, queue, eventsFile)], logger });
const worker = hopper.worker({
  queues: [queue],
  concurrency: 5,
  // Short, as in the crash scenario: on SQS a receive still in flight when the retired
  // worker closes can leave its messages hidden for one lease (they come back, late).
  lease: "5s",
  pollWait: "1s",
  shutdownTimeout: "5s",
  newerVersionRetry: Number(process.env.ROLLING_NEWER_VERSION_RETRY_MS ?? 300),
  // Far beyond the run: a held payload must wait for its worker, never be dead-lettered here.
  newerVersionMaxHold: "10m",
});

process.stdout.write("ready\n");
await worker.run();
await hopper.close();
process.exit(0);
