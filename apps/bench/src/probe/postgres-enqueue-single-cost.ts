/**
 * What a single-job enqueue costs a local PostgreSQL server, counted: server CPU (`postgres-server-cpu.ts`, all of
 * the server's processes) and this process's CPU per job for `jobs` one-job enqueues through the subject's
 * `enqueueOne` (for Hopper: the enqueuer's coalescer, which sends calls made while a send is out together), with
 * `callers` in flight, per round. The queue is deleted after each round (untimed).
 *
 *   node --conditions=@hopper/source --import ./src/child/strip-types.mjs src/probe/postgres-enqueue-single-cost.ts \
 *     <library> <postgres url> [jobs=5000] [callers, e.g. 1,10] [rounds=1]
 *
 * Not a throughput figure: `pnpm bench -s enqueue` measures those.
 */
import { loadavg } from "node:os";
import { createSubject } from "../subjects/create-subject.js";
import { makeJobs, withCallers } from "../scenarios/scenario-context.js";
import { openPostgresCounters } from "./postgres-server-cpu.js";

const [library = "hopper", connection = process.env.HOPPER_TEST_POSTGRES_URL ?? "", jobsText = "5000", callersText = "1,10", roundsText = "1"] = process.argv.slice(2);
const jobs = Number(jobsText);
const counters = await openPostgresCounters(connection);
const subject = await createSubject({ library, connection } as never);
const warm = `enqueue-single-warm-${process.pid}`;
const warmJobs = makeJobs(500);
await withCallers(warmJobs.length, 10, (index) => subject.enqueueOne(warm, warmJobs[index]!));
for (let round = 1; round <= Number(roundsText); round++) {
  for (const callers of callersText.split(",").map(Number)) {
    const queue = `enqueue-single-${process.pid}-${round}-${callers}`;
    const batch = makeJobs(jobs);
    const serverBefore = counters.serverCpu?.();
    const nodeBefore = process.cpuUsage();
    const started = performance.now();
    await withCallers(batch.length, callers, (index) => subject.enqueueOne(queue, batch[index]!));
    const elapsedMs = performance.now() - started;
    const node = process.cpuUsage(nodeBefore);
    const server = counters.serverCpu ? (counters.serverCpu() - serverBefore!) / jobs : Number.NaN;
    console.log(`${library} enqueue single callers=${callers}: ${jobs} jobs, ${Math.round(jobs / (elapsedMs / 1000))} jobs/s (wall, load ${loadavg()[0]!.toFixed(1)}); node CPU ${((node.user + node.system) / jobs).toFixed(1)} µs/job; server CPU ${server.toFixed(1)} µs/job`);
    await counters.admin.query(`DELETE FROM hopper.messages WHERE queue = $1`, [queue]).catch(() => {});
  }
}
await subject.close();
await counters.close();
