// Test-only child process for redis-crash.test.ts: takes jobs and holds them
// forever, printing "holding <count>" as they start, until it is SIGKILLed.
import { holdJobsForever } from "@hopper/conformance";
import { createConsoleLogger, createHopper } from "@hopper/core";
import { createRedisBackend } from "./redis-backend.js";
import { crashJobClass } from "./test-crash-job.js";

const url = process.env.CRASH_REDIS_URL!;
const queue = process.env.CRASH_QUEUE!;
const CrashJob = crashJobClass(queue, holdJobsForever());
// CRASH_RECORDS=1: with job records on, as the records crash test needs.
const records = process.env.CRASH_RECORDS === "1" ? { records: {} } : {};
// CRASH_COMPACT_LEASES=1 or 0: with compact leases or leases in the message (RedisBackendOptions.compactLeases); unset, the default.
const compactLeases = process.env.CRASH_COMPACT_LEASES === undefined ? {} : { compactLeases: process.env.CRASH_COMPACT_LEASES === "1" };
const hopper = createHopper({ backend: createRedisBackend({ url, ...compactLeases }), jobs: [CrashJob], logger: createConsoleLogger("silent"), ...records });
void hopper.worker({ queues: [queue], concurrency: 100, lease: "2s", pollWait: "1s", handleSignals: false }).run();
