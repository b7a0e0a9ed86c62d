/**
 * Where one single enqueue's time goes, with callers in flight: each call's latency split into the time
 * before its send started (validation, envelope, and waiting in the enqueue lane for a free send) and the
 * time its send was on the wire (backend.enqueue: the adapter's encoding, the round trip, the server's run);
 * and per send, its jobs and, on Redis, the server's time in the script (INFO commandstats).
 *   node --conditions=@hopper/source --import ./src/child/strip-types.mjs src/probe/single-enqueue-timeline.ts \
 *     <connection> [jobs] [callers] [rounds]
 * Timing, so not for claims under load on its own: it says which part grows, not a rate.
 */
import { createHopper, Job } from "@hopper/core";
import type { Backend, OutgoingMessage } from "@hopper/core/backend";
import { Redis } from "ioredis";
import { redisServerCounts } from "./redis-server-counts.js";

const [connection = "", jobsText = "5000", callersText = "10", roundsText = "3"] = process.argv.slice(2);
const jobs = Number(jobsText);
const callers = Number(callersText);
const rounds = Number(roundsText);
const silentLogger = { debug() {}, info() {}, warn() {}, error() {}, isLevelEnabled: () => false };

class TimelineNoop extends Job<{ n: number }> {
  static override jobName = "TimelineNoop";
  async perform(): Promise<void> {}
}

const hopper = createHopper({ url: connection, jobs: [TimelineNoop], logger: silentLogger });
const backend = (await hopper.backend) as { -readonly [K in keyof Backend]: Backend[K] };
const admin = connection.startsWith("redis") ? new Redis(connection) : undefined;

/** When each message's send started and ended (by message id). */
const sendStart = new Map<string, number>();
const sendEnd = new Map<string, number>();
const sendSizes: number[] = [];
const inner = backend.enqueue.bind(backend);
backend.enqueue = async (messages: readonly OutgoingMessage[], options) => {
  const startedAt = performance.now();
  sendSizes.push(messages.length);
  try {
    return await inner(messages, options);
  } finally {
    const endedAt = performance.now();
    for (const message of messages) {
      sendStart.set(message.id, startedAt);
      sendEnd.set(message.id, endedAt);
    }
  }
};

async function round(queue: string, count: number): Promise<string> {
  sendStart.clear();
  sendEnd.clear();
  sendSizes.length = 0;
  const calls: { calledAt: number; id: string; doneAt: number }[] = [];
  let next = 0;
  const before = await redisServerCounts(admin);
  const cpu = process.cpuUsage();
  const startedAt = performance.now();
  const loop = async () => {
    while (next < count) {
      const n = next++;
      const calledAt = performance.now();
      const id = await hopper.enqueue(TimelineNoop, { n }, { queue });
      calls.push({ calledAt, id, doneAt: performance.now() });
    }
  };
  await Promise.all(Array.from({ length: callers }, loop));
  const wallMs = performance.now() - startedAt;
  const used = process.cpuUsage(cpu);
  const after = await redisServerCounts(admin);
  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
  const beforeSend = mean(calls.map((call) => sendStart.get(call.id)! - call.calledAt));
  const onWire = mean(calls.map((call) => sendEnd.get(call.id)! - sendStart.get(call.id)!));
  const afterSend = mean(calls.map((call) => call.doneAt - sendEnd.get(call.id)!));
  const latency = mean(calls.map((call) => call.doneAt - call.calledAt));
  const scriptUs = before && after ? ((after.usec.get("evalsha") ?? 0) - (before.usec.get("evalsha") ?? 0)) / sendSizes.length : NaN;
  const serverCpuUs = before && after ? (after.serverCpuUs - before.serverCpuUs) / count : NaN;
  return [
    `${Math.round(count / (wallMs / 1000))} jobs/s`,
    `node CPU ${((used.user + used.system) / count).toFixed(1)} µs/job, busy ${((100 * (used.user + used.system)) / 1000 / wallMs).toFixed(0)}%`,
    `sends ${sendSizes.length} (${(count / sendSizes.length).toFixed(1)} jobs each)`,
    `call ${(latency * 1000).toFixed(0)} µs = before its send ${(beforeSend * 1000).toFixed(0)} + on the wire ${(onWire * 1000).toFixed(0)} + after ${(afterSend * 1000).toFixed(0)}`,
    `script ${scriptUs.toFixed(0)} µs/send (server), server CPU ${serverCpuUs.toFixed(1)} µs/job`,
  ].join("; ");
}

try {
  await round("timeline-warm", 2000);
  for (let index = 0; index < rounds; index += 1) console.log(await round(`timeline-${process.pid}-${index}`, jobs));
} finally {
  admin?.disconnect();
  await hopper.close();
}
