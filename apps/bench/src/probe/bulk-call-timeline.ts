/**
 * Where one bulk enqueue call's wall time goes, for an HTTP-speaking subject (SQS: Hopper or the raw client): for each
 * call of PROBE_BULK_CALL jobs (default 100, as the bench's bulk column), made one at a time, the time from the call to
 * its first HTTP request starting, to its last starting, to the first and last answers, to the call returning; the
 * requests per call, the most in flight at once, the request bytes, and the Node CPU per call. Requests are seen
 * through node:diagnostics_channel (no change to either subject).
 *   cd apps/bench && node --conditions=@hopper/source --import ./src/child/strip-types.mjs --no-warnings \
 *     src/probe/bulk-call-timeline.ts <hopper|@aws-sdk/client-sqs> <connection> [jobs]
 * PROBE_PADDING pads each job's args by that many bytes (to send the raw client bodies as large as Hopper's envelopes).
 * PROBE_ENVELOPE_SHAPED=1 wraps each job in an object shaped as Hopper's envelope around it (id, names, timestamps),
 * so the raw client sends bodies of Hopper's size and shape (what the body costs apart from Hopper's own code).
 * PROBE_PROFILE=<out.cpuprofile> profiles the measured calls (the profiler then slows them).
 * Not a throughput figure: wall-clock rates belong to `pnpm bench`.
 */
import { randomUUID } from "node:crypto";
import { subscribe } from "node:diagnostics_channel";
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import type { ClientRequest } from "node:http";
import { createSubject } from "../subjects/create-subject.js";
import { consumeCount, makeJobs, withCallers } from "../scenarios/scenario-context.js";

const [library = "hopper", connection = "", jobsText = "10000"] = process.argv.slice(2);
const jobs = Number(jobsText);
const bulkCall = Number(process.env.PROBE_BULK_CALL ?? 100);
const padding = Number(process.env.PROBE_PADDING ?? 0);
const envelopeShaped = process.env.PROBE_ENVELOPE_SHAPED === "1";
const jobsOf = (count: number) => {
  const made = makeJobs(count, padding);
  if (!envelopeShaped) return made;
  const shaped = (args: unknown) => ({ hopper: 1, id: randomUUID(), job: "BenchNoop", version: 1, args, queue: "timeline-queue", priority: 0, enqueuedAt: new Date().toISOString(), attempt: 1, meta: {} });
  return made.map((job) => shaped(job) as never);
};
const subject = await createSubject({ library, connection } as never);

interface CallTimes {
  calledAt: number;
  starts: number[];
  finishes: number[];
  bytes: number[];
  maxInFlight: number;
  returnedAt: number;
  cpuUs: number;
  /** Node CPU from the call to its first request starting, and from its last answer to its return. */
  cpuBeforeFirstUs: number;
  cpuAfterLastUs: number;
  cpuAt: NodeJS.CpuUsage;
}
let current: CallTimes | undefined;
let inFlight = 0;
let lastAnswerCpu: NodeJS.CpuUsage | undefined;
const cpuSince = (from: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(from);
  return used.user + used.system;
};
/** Every request started while calls were measured, by its x-amz-target (a background loop would show here). */
const targets = new Map<string, number>();
let counting = false;
subscribe("http.client.request.start", (message) => {
  const request = (message as { request: ClientRequest }).request;
  if (counting) {
    const target = String(request.getHeader("x-amz-target") ?? request.path);
    targets.set(target, (targets.get(target) ?? 0) + 1);
  }
  if (!current) return;
  if (current.starts.length === 0) current.cpuBeforeFirstUs = cpuSince(current.cpuAt);
  current.starts.push(performance.now());
  current.bytes.push(Number(request.getHeader("content-length") ?? 0));
  inFlight += 1;
  current.maxInFlight = Math.max(current.maxInFlight, inFlight);
});
subscribe("http.client.response.finish", () => {
  if (!current) return;
  current.finishes.push(performance.now());
  inFlight -= 1;
  if (inFlight === 0) lastAnswerCpu = process.cpuUsage();
});

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? Number.NaN : sorted[Math.floor(sorted.length / 2)]!;
};
let serial = 0;
const queue = () => `timeline-${process.pid}-${(serial += 1)}`;
try {
  // Warm-up as profile-window.ts (PROBE_WARMUP single enqueues, default 500, and a drain), then 2,000 jobs in bulk not counted.
  const warm = queue();
  await subject.prepare(warm);
  const warmJobs = makeJobs(Number(process.env.PROBE_WARMUP ?? 500));
  await withCallers(warmJobs.length, 10, (index) => subject.enqueueOne(warm, warmJobs[index]!));
  await consumeCount(subject, warm, 10, warmJobs.length, 30_000);
  const measured = queue();
  await subject.prepare(measured);
  const warmBulk = jobsOf(2000);
  for (let index = 0; index < warmBulk.length; index += bulkCall) await subject.enqueueMany(measured, warmBulk.slice(index, index + bulkCall));
  const list = jobsOf(jobs);
  const calls: CallTimes[] = [];
  const session = process.env.PROBE_PROFILE ? new Session() : undefined;
  if (session) {
    session.connect();
    await session.post("Profiler.enable");
    await session.post("Profiler.start");
  }
  const startedAt = performance.now();
  counting = true;
  for (let index = 0; index < list.length; index += bulkCall) {
    const part = list.slice(index, index + bulkCall);
    const cpu = process.cpuUsage();
    current = { calledAt: performance.now(), starts: [], finishes: [], bytes: [], maxInFlight: 0, returnedAt: 0, cpuUs: 0, cpuBeforeFirstUs: 0, cpuAfterLastUs: 0, cpuAt: cpu };
    inFlight = 0;
    await subject.enqueueMany(measured, part);
    current.returnedAt = performance.now();
    const used = process.cpuUsage(cpu);
    current.cpuUs = used.user + used.system;
    current.cpuAfterLastUs = lastAnswerCpu ? cpuSince(lastAnswerCpu) : Number.NaN;
    calls.push(current);
    current = undefined;
  }
  const elapsed = performance.now() - startedAt;
  counting = false;
  if (session) {
    const { profile } = await session.post("Profiler.stop");
    writeFileSync(process.env.PROBE_PROFILE!, JSON.stringify(profile));
    session.disconnect();
  }
  const of = (pick: (call: CallTimes) => number) => median(calls.map(pick)).toFixed(3);
  console.log(`${library}${padding ? ` (args padded by ${padding} bytes)` : ""}${envelopeShaped ? " (bodies shaped as envelopes)" : ""}: ${jobs} jobs in calls of ${bulkCall}, ${elapsed.toFixed(0)} ms (${((jobs / elapsed) * 1000).toFixed(0)} jobs/s); medians per call:`);
  console.log(`  requests ${of((call) => call.starts.length)}, most in flight ${of((call) => call.maxInFlight)}, request body bytes ${of((call) => call.bytes.reduce((a, b) => a + b, 0))} (${of((call) => median(call.bytes))} each)`);
  console.log(`  ms from the call to: first request ${of((call) => call.starts[0]! - call.calledAt)}, last request ${of((call) => call.starts.at(-1)! - call.calledAt)}, first answer ${of((call) => call.finishes[0]! - call.calledAt)}, last answer ${of((call) => call.finishes.at(-1)! - call.calledAt)}, return ${of((call) => call.returnedAt - call.calledAt)}`);
  console.log(`  ms from the last answer to the return ${of((call) => call.returnedAt - call.finishes.at(-1)!)}; Node CPU per call ${of((call) => call.cpuUs / 1000)} ms (before the first request ${of((call) => call.cpuBeforeFirstUs / 1000)}, after the last answer ${of((call) => call.cpuAfterLastUs / 1000)}) (${(calls.reduce((a, call) => a + call.cpuUs, 0) / jobs).toFixed(1)} µs/job)`);
  console.log(`  requests while measured: ${[...targets].map(([target, count]) => `${target} ${count}`).join(", ")}`);
  await consumeCount(subject, measured, 50, jobs + warmBulk.length, 60_000);
} finally {
  await subject.close();
}
