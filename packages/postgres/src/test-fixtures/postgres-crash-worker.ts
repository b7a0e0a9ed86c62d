// A worker process for the crash test: runs CrashJob until it is killed.
import { createHopper } from "@hopper/core";
import { createPostgresBackend } from "../postgres-backend.js";
import { CrashJob } from "./postgres-crash-job.js";

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const backend = await createPostgresBackend({ connectionString: process.env.HOPPER_TEST_POSTGRES_URL!, schema: process.env.CRASH_SCHEMA! });
const hopper = createHopper({ backend, jobs: [CrashJob], logger: silent });
await hopper.worker({ queues: [process.env.CRASH_QUEUE!], concurrency: 10, lease: "3s", handleSignals: false }).run();
