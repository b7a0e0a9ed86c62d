/**
 * Single enqueues with callers in flight, timed in one process, several rounds after a warm-up:
 * jobs/s, Node CPU per job, and the share of the wall time Node was busy (CPU ÷ wall; the rest it
 * waited on the server). For A/B runs of the enqueue path, alternating with another checkout:
 *   node --conditions=@hopper/source --import ./src/child/strip-types.mjs src/probe/single-enqueue-rate.ts \
 *     <library> <connection> [jobs] [callers] [rounds]
 */
import { createSubject } from "../subjects/create-subject.js";
import { consumeCount, makeJobs, withCallers } from "../scenarios/scenario-context.js";
import { warmSingleEnqueue } from "./warm-single-enqueue.js";

const [library = "hopper", connection = "", jobsText = "5000", callersText = "10", roundsText = "3"] = process.argv.slice(2);
const jobs = Number(jobsText);
const callers = Number(callersText);
const rounds = Number(roundsText);
const subject = await createSubject({ library, connection } as never);
let serial = 0;
const queue = () => `rate-${process.pid}-${(serial += 1)}`;
try {
  await warmSingleEnqueue(subject, queue(), 2000, callers);
  for (let round = 0; round < rounds; round += 1) {
    const measured = queue();
    await subject.prepare(measured);
    const list = makeJobs(jobs);
    const cpu = process.cpuUsage();
    const startedAt = performance.now();
    await withCallers(list.length, callers, (index) => subject.enqueueOne(measured, list[index]!));
    const elapsedMs = performance.now() - startedAt;
    const used = process.cpuUsage(cpu);
    const cpuUs = used.user + used.system;
    console.log(`${library} single, ${callers} callers: ${Math.round(jobs / (elapsedMs / 1000))} jobs/s, node CPU ${(cpuUs / jobs).toFixed(1)} µs/job, busy ${((100 * cpuUs) / 1000 / elapsedMs).toFixed(0)}%`);
    await consumeCount(subject, measured, 50, jobs, 60_000);
  }
} finally {
  await subject.close();
}
