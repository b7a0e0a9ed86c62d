/**
 * Single enqueues with callers in flight, in rounds after a warm-up, each round's costs counted per job:
 * jobs/s, Node CPU split by thread (the main thread, V8's workers: background compiles and GC helpers),
 * of it system time, and on Redis the script calls (sends) and the server's CPU per job (INFO). For
 * A/B runs of the enqueue lane and for following the warm-up (the bench's single enqueue times jobs
 * 2,000–12,000 of its child):
 *   node --conditions=@hopper/source --import ./src/child/strip-types.mjs --no-warnings src/probe/single-enqueue-threads.ts \
 *     <library> <connection> [jobs per round] [rounds] [warm-up jobs] [callers]
 * Thread times come from /proc/self/task (10 ms ticks: ±2 µs/job at 5,000 jobs).
 */
import { readdirSync, readFileSync } from "node:fs";
import { Redis } from "ioredis";
import { createSubject } from "../subjects/create-subject.js";
import { consumeCount, makeJobs, withCallers } from "../scenarios/scenario-context.js";
import { warmSingleEnqueue } from "./warm-single-enqueue.js";
import { redisServerCounts } from "./redis-server-counts.js";

const [library = "hopper", connection = "", jobsText = "5000", roundsText = "6", warmText = "2000", callersText = "10"] = process.argv.slice(2);
const jobs = Number(jobsText);
const rounds = Number(roundsText);
const callers = Number(callersText);
const tickUs = 10_000;
const admin = connection.startsWith("redis") ? new Redis(connection) : undefined;

/** CPU µs of each of this process's threads, by name (the main thread as "main"). */
function threadCpu(): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync("/proc/self/task")) {
    let stat: string;
    try {
      stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
    } catch {
      continue; // the thread ended
    }
    const name = tid === String(process.pid) ? "main" : stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")).replace(/\d+$/, "");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    out.set(name, (out.get(name) ?? 0) + (Number(fields[11]) + Number(fields[12])) * tickUs);
  }
  return out;
}

const subject = await createSubject({ library, connection } as never);
let serial = 0;
const queue = () => `threads-${process.pid}-${(serial += 1)}`;
try {
  await warmSingleEnqueue(subject, queue(), Number(warmText), callers);
  for (let round = 0; round < rounds; round += 1) {
    const measured = queue();
    await subject.prepare(measured);
    const list = makeJobs(jobs);
    const serverBefore = await redisServerCounts(admin);
    const threadsBefore = threadCpu();
    const cpu = process.cpuUsage();
    const startedAt = performance.now();
    await withCallers(list.length, callers, (index) => subject.enqueueOne(measured, list[index]!));
    const elapsedMs = performance.now() - startedAt;
    const used = process.cpuUsage(cpu);
    const threadsAfter = threadCpu();
    const serverAfter = await redisServerCounts(admin);
    const byThread = [...threadsAfter].map(([name, us]) => `${name} ${((us - (threadsBefore.get(name) ?? 0)) / jobs).toFixed(1)}`).filter((text) => !text.endsWith(" 0.0"));
    const parts = [`${library} round ${round + 1}: ${Math.round(jobs / (elapsedMs / 1000))} jobs/s`, `node CPU ${((used.user + used.system) / jobs).toFixed(1)} µs/job (system ${(used.system / jobs).toFixed(1)}; threads ${byThread.join(", ")})`];
    if (serverBefore && serverAfter) {
      const scripts = (serverAfter.calls.get("evalsha") ?? 0) - (serverBefore.calls.get("evalsha") ?? 0);
      parts.push(`sends ${(scripts / jobs).toFixed(3)}/job`, `server CPU ${((serverAfter.serverCpuUs - serverBefore.serverCpuUs) / jobs).toFixed(1)} µs/job`);
    }
    console.log(parts.join("; "));
    await consumeCount(subject, measured, 50, jobs, 60_000);
  }
} finally {
  await subject.close();
  admin?.disconnect();
}
