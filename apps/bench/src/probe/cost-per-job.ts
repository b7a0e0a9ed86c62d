/**
 * Deterministic per-job costs of one subject, for comparing Hopper with the raw
 * client and the peers while the machine is busy: Node CPU time (user+system)
 * per job; the calls this process sent per job (Redis commands, PostgreSQL statements: the round
 * trips, `client-calls.ts`); on Redis, server commands, bytes and CPU per job (INFO deltas); on a local
 * PostgreSQL, its processes' CPU per job (`server-cpu/postgres-server-cpu.ts`); on the local SQS emulator (an sqs:// URL
 * whose `endpoint` is `@hopper/services`' fauxqs), its CPU per job (`server-cpu/sqs-emulator-cpu.ts`); bytes this process
 * wrote and read per job (requests and answers, all connections).
 * Not a throughput figure: wall-clock rates belong to `pnpm bench`.
 *
 *   pnpm --filter @hopper/bench cost-per-job <library> <connection> [jobs] [callers] [single|bulk|drain]
 *   e.g. … cost-per-job hopper redis://127.0.0.1:6379 3000 10 single   (ioredis, bullmq: the baselines)
 *   or   … cost-per-job hopper "sqs://us-east-1/probe-?endpoint=$HOPPER_TEST_SQS_ENDPOINT&createQueues=true" 5000 10 bulk
 *        (@aws-sdk/client-sqs with the same URL: the raw client)
 * PROBE_CONCURRENCY=1,10,50 picks the drain concurrencies; PROBE_BULK_CALL the jobs per bulk call (default 1000; the bench's bulk column uses 100); on Redis, the
 * server counts need HOPPER_TEST_REDIS_URL to name the same server.
 */
import { readFileSync } from "node:fs";
import { Redis } from "ioredis";
import { createSubject } from "../subjects/create-subject.js";
import { consumeCount, enqueueInBatches, makeJobs, withCallers } from "../scenarios/scenario-context.js";
import type { BenchSubject } from "../subjects/bench-subject.js";
import { countClientCalls } from "./client-calls.js";
import { postgresWal } from "./postgres-server-cpu.js";
import { postgresServerCpu } from "../server-cpu/postgres-server-cpu.js";
import { redisServerCounts } from "./redis-server-counts.js";
import { sqsEmulatorCpu } from "../server-cpu/sqs-emulator-cpu.js";

const [library = "hopper", connection = process.env.HOPPER_TEST_REDIS_URL ?? "", jobsText = "3000", callersText = "10", only = ""] = process.argv.slice(2);
const jobs = Number(jobsText);
const bulkCall = Number(process.env.PROBE_BULK_CALL ?? 1000);
const callers = Number(callersText);
const redisUrl = process.env.HOPPER_TEST_REDIS_URL;
const admin = redisUrl && connection.startsWith("redis") ? new Redis(redisUrl) : undefined;
const clientCalls = countClientCalls();
const postgresCpu = connection.startsWith("postgres") ? await postgresServerCpu(connection) : undefined;
const wal = connection.startsWith("postgres") ? await postgresWal(connection) : undefined;
const sqsCpu = connection.startsWith("sqs") ? sqsEmulatorCpu(connection) : undefined;

/** Read and write system calls of this process so far (all threads): each socket write or read is one; and their bytes. */
function syscalls(): { reads: number; writes: number; readBytes: number; writtenBytes: number } {
  const text = readFileSync("/proc/self/io", "utf8");
  const field = (name: string) => Number(new RegExp(`^${name}: (\\d+)`, "m").exec(text)?.[1] ?? 0);
  return { reads: field("syscr"), writes: field("syscw"), readBytes: field("rchar"), writtenBytes: field("wchar") };
}

async function measure(label: string, count: number, run: () => Promise<void>): Promise<void> {
  const before = await redisServerCounts(admin);
  const walBefore = await wal?.bytes();
  const sent = clientCalls();
  const postgresBefore = postgresCpu?.();
  const sqsBefore = sqsCpu?.();
  const calls = syscalls();
  const cpu = process.cpuUsage();
  await run();
  const used = process.cpuUsage(cpu);
  const callsAfter = syscalls();
  const postgresAfter = postgresCpu?.();
  const sqsAfter = sqsCpu?.();
  const sentAfter = clientCalls();
  const after = await redisServerCounts(admin);
  const walAfter = await wal?.bytes();
  const parts = [`${label}: node CPU ${((used.user + used.system) / count).toFixed(1)} µs/job (system ${(used.system / count).toFixed(1)})`];
  parts.push(`syscalls read ${((callsAfter.reads - calls.reads) / count).toFixed(2)}, write ${((callsAfter.writes - calls.writes) / count).toFixed(2)} /job`);
  parts.push(`bytes written ${((callsAfter.writtenBytes - calls.writtenBytes) / count).toFixed(0)}, read ${((callsAfter.readBytes - calls.readBytes) / count).toFixed(0)} /job`);
  if (sqsBefore !== undefined && sqsAfter !== undefined) parts.push(`sqs emulator CPU ${((sqsAfter - sqsBefore) / count).toFixed(1)} µs/job`);
  const redisSent = sentAfter.redis - sent.redis;
  parts.push(`client calls ${((redisSent + sentAfter.postgres - sent.postgres) / count).toFixed(3)}/job (redis ${(redisSent / count).toFixed(3)}, postgres ${((sentAfter.postgres - sent.postgres) / count).toFixed(3)})`);
  if (postgresBefore !== undefined && postgresAfter !== undefined) parts.push(`postgres server CPU ${((postgresAfter - postgresBefore) / count).toFixed(1)} µs/job`);
  if (walBefore !== undefined && walAfter !== undefined) parts.push(`postgres WAL ${((walAfter - walBefore) / count).toFixed(0)} B/job`);
  if (before && after) {
    const commands: string[] = [];
    let total = 0;
    for (const [name, calls] of after.calls) {
      const delta = calls - (before.calls.get(name) ?? 0) - (name === "info" ? 3 : 0);
      if (delta > 0 && name !== "info") {
        commands.push(`${name} ${(delta / count).toFixed(2)}`);
        total += delta;
      }
    }
    parts.push(`commands ${(total / count).toFixed(2)}/job (${commands.join(", ")})`);
    // The server's own timing: scripts (evalsha, whose time includes the commands they run) and the commands inside them.
    const timed: string[] = [];
    for (const [name, usec] of after.usec) {
      const delta = usec - (before.usec.get(name) ?? 0);
      if (delta / count >= 0.05 && name !== "info") timed.push(`${name} ${(delta / count).toFixed(2)}`);
    }
    parts.push(`server µs/job by command (${timed.join(", ")})`);
    parts.push(`bytes in ${((after.bytesIn - before.bytesIn) / count).toFixed(0)}/job, out ${((after.bytesOut - before.bytesOut) / count).toFixed(0)}/job`);
    parts.push(`server CPU ${((after.serverCpuUs - before.serverCpuUs) / count).toFixed(1)} µs/job`);
  }
  console.log(parts.join("; "));
}

async function scenarios(subject: BenchSubject): Promise<void> {
  let serial = 0;
  const queue = () => `probe-${process.pid}-${(serial += 1)}`;
  // Warm-up: JIT, connections, script loads.
  const warm = queue();
  await subject.prepare(warm);
  const warmJobs = makeJobs(500);
  await withCallers(warmJobs.length, callers, (index) => subject.enqueueOne(warm, warmJobs[index]!));
  await consumeCount(subject, warm, 10, warmJobs.length, 30_000);

  if (!only || only === "single") {
    const single = queue();
    await subject.prepare(single);
    const singleJobs = makeJobs(jobs);
    await measure(`enqueue single (${callers} callers)`, jobs, () => withCallers(singleJobs.length, callers, (index) => subject.enqueueOne(single, singleJobs[index]!)));
    await consumeCount(subject, single, 50, jobs, 60_000);
  }
  if (!only || only === "bulk" || only === "drain") {
    // "bulk" measures the enqueues alone (their queues are left for close() to remove).
    for (const concurrency of (process.env.PROBE_CONCURRENCY ?? "1,10,50").split(",").map(Number)) {
      const drain = queue();
      await subject.prepare(drain);
      const drainJobs = makeJobs(jobs);
      await measure(`enqueue bulk (calls of ${bulkCall}) [c=${concurrency}]`, jobs, () => enqueueInBatches(subject, drain, drainJobs, bulkCall));
      if (only === "bulk") continue;
      await measure(`drain c=${concurrency}`, jobs, async () => {
        const run = await consumeCount(subject, drain, concurrency, jobs, 120_000);
        if (run.done < jobs) console.log(`  only ${run.done} of ${jobs} done`);
      });
    }
  }
}

const subject = await createSubject({ library, connection } as never);
try {
  await scenarios(subject);
} finally {
  await subject.close();
  admin?.disconnect();
  await wal?.close();
}
