/**
 * Run from apps/bench as src/probe/continuous-tmp.ts (copied there from this file; deleted after):
 *   node --conditions=@hopper/source --import ./src/child/strip-types.mjs --no-warnings src/probe/continuous-tmp.ts <url> 15000 5
 * Continuous enqueue and drain: a consumer at concurrency 50 runs while bulk enqueues of 100 go out at a paced rate;
 * server CPU (postgres-server-cpu) over the whole period, per job, and Node CPU per job.
 *   node ... src/probe/continuous-tmp.ts <url> <rate> <seconds>
 */
import { createSubject } from "../subjects/create-subject.js";
import { enqueueInBatches, makeJobs, consumeCount } from "../scenarios/scenario-context.js";
import { postgresServerCpu } from "./postgres-server-cpu.js";
const [url = "", rateText = "20000", secondsText = "5"] = process.argv.slice(2);
const rate = Number(rateText), seconds = Number(secondsText);
const subject = await createSubject({ library: "hopper", connection: url, backend: "postgres" } as never);
const serverCpu = (await postgresServerCpu(url))!;
const total = rate * seconds;
for (const round of [0, 1, 2]) {
  const queue = `cont-${process.pid}-${round}`;
  await subject.prepare(queue);
  const jobs = makeJobs(total);
  const cpu0 = process.cpuUsage(), server0 = serverCpu(), t0 = performance.now();
  const consuming = consumeCount(subject, queue, 50, total, 120_000);
  const perTick = Math.round(rate / 100);
  for (let sent = 0, tick = 0; sent < total; tick++) {
    const due = t0 + tick * 10;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const batch = jobs.slice(sent, sent + perTick);
    await enqueueInBatches(subject, queue, batch, 100);
    sent += batch.length;
  }
  const run = await consuming;
  const cpu = process.cpuUsage(cpu0), server = serverCpu() - server0, elapsed = performance.now() - t0;
  console.log(`round ${round}: ${run.done}/${total} in ${elapsed.toFixed(0)} ms (offered ${rate}/s); node CPU ${((cpu.user + cpu.system) / total).toFixed(1)} µs/job; server CPU ${(server / total).toFixed(1)} µs/job`);
}
await subject.close();
