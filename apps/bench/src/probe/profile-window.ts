/**
 * A CPU profile of one subject's enqueue or drain alone (warm-up and start-up
 * left out), for saying where the time goes:
 *   node --conditions=@hopper/source --import ./src/child/strip-types.mjs src/probe/profile-window.ts \
 *     <library> <connection> <jobs> <single|bulk|drain> <out.cpuprofile> [concurrency]
 * PROBE_BULK_CALL sets the jobs per bulk call (default 1000; the bench's bulk column uses 100); PROBE_WARMUP the
 * single enqueues made before the window (default 2000; the enqueue path keeps getting cheaper for ~20,000).
 * Not a throughput figure: the profiler itself slows the run.
 */
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { createSubject } from "../subjects/create-subject.js";
import { consumeCount, enqueueInBatches, makeJobs, withCallers } from "../scenarios/scenario-context.js";

const [library = "hopper", connection = "", jobsText = "20000", mode = "single", out = "window.cpuprofile", concurrencyText = "10"] = process.argv.slice(2);
const jobs = Number(jobsText);
const concurrency = Number(concurrencyText);
const bulkCall = Number(process.env.PROBE_BULK_CALL ?? 1000);
const warmup = Number(process.env.PROBE_WARMUP ?? 2000);
const subject = await createSubject({ library, connection } as never);
const session = new Session();
session.connect();
let serial = 0;
const queue = () => `profile-${process.pid}-${(serial += 1)}`;
try {
  const warm = queue();
  await subject.prepare(warm);
  const warmJobs = makeJobs(warmup);
  await withCallers(warmJobs.length, 10, (index) => subject.enqueueOne(warm, warmJobs[index]!));
  await consumeCount(subject, warm, concurrency, warmJobs.length, 30_000);
  const measured = queue();
  await subject.prepare(measured);
  const list = makeJobs(jobs);
  if (mode === "drain") await enqueueInBatches(subject, measured, list, 1000);
  await session.post("Profiler.enable");
  await session.post("Profiler.start");
  const cpu = process.cpuUsage();
  const startedAt = performance.now();
  if (mode === "single") await withCallers(list.length, 10, (index) => subject.enqueueOne(measured, list[index]!));
  else if (mode === "bulk") await enqueueInBatches(subject, measured, list, bulkCall);
  else await consumeCount(subject, measured, concurrency, jobs, 120_000);
  const elapsed = performance.now() - startedAt;
  const used = process.cpuUsage(cpu);
  const { profile } = await session.post("Profiler.stop");
  writeFileSync(out, JSON.stringify(profile));
  console.log(`${library} ${mode}: ${jobs} jobs in ${elapsed.toFixed(0)} ms, node CPU ${((used.user + used.system) / jobs).toFixed(1)} µs/job (profiled)`);
  if (mode !== "drain") await consumeCount(subject, measured, 50, jobs, 60_000);
} finally {
  session.disconnect();
  await subject.close();
}
