// A worker process for the records crash test: holds every job it takes (records on) until it is SIGKILLed.
import { heldJobClass, holdJobsForever } from "@hopper/conformance";
import { createHopper } from "@hopper/core";
import { createPostgresBackend } from "../postgres-backend.js";

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const queue = process.env.CRASH_QUEUE!;
const backend = await createPostgresBackend({ connectionString: process.env.HOPPER_TEST_POSTGRES_URL!, schema: process.env.CRASH_SCHEMA! });
const hopper = createHopper({ backend, jobs: [heldJobClass(queue, holdJobsForever())], logger: silent, records: {} });
void hopper.worker({ queues: [queue], concurrency: 100, lease: "2s", pollWait: "1s", handleSignals: false }).run();
