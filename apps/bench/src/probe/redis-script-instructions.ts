/**
 * Instructions the Redis server spends per message on Hopper's enqueue, and on
 * receive + ack, counted by callgrind: unlike CPU time, the count does not move
 * with the machine's load. Needs a private redis-server run under callgrind:
 *
 *   valgrind --tool=callgrind --callgrind-out-file=<dir>/callgrind.out.%p \
 *     redis-server --port 43699 --bind 127.0.0.1 --save '' --appendonly no
 *   node --conditions=@hopper/source --import ./src/child/strip-types.mjs src/probe/redis-script-instructions.ts \
 *     redis://127.0.0.1:43699 <redis-server pid> <dir> [enqueue batch sizes, e.g. 1,10,1000] [receive sizes, e.g. 10,250] [messages]
 *
 * Each phase zeroes the counters (callgrind_control -z), runs, dumps (-d) and
 * divides the dump's total by the messages; the probe's own few commands are in it.
 * PROBE_COMPACT_LEASES=on|off: the backend's compactLeases (unset: its default, on since the release after c4b9b9a). PROBE_SPLIT=on: receives and acks also counted apart.
 * PROBE_RECORDS=on: each message carries its job record as the core sends it (the backend writes its own:
 * inserted by the enqueue, started by the receive, settled `succeeded` by the ack).
 */
import { randomUUID } from "node:crypto";
import type { ReceivedMessage } from "@hopper/core/backend";
import { createRedisBackend } from "@hopper/redis";
import { callgrindCounters } from "./callgrind-counters.js";

const [url = "", pid = "", dir = ".", enqueueSizes = "1,10,1000", receiveSizes = "10,250", messagesText = "6000"] = process.argv.slice(2);
const messages = Number(messagesText);
// PROBE_COMPACT_LEASES=on|off: the backend's compactLeases (a plain job's lease kept in its member of `leased`); unset, its default.
const compactLeases = process.env.PROBE_COMPACT_LEASES === undefined ? undefined : process.env.PROBE_COMPACT_LEASES === "on";
const backend = createRedisBackend({ url, keyPrefix: `instructions-${process.pid}`, compactLeases });
await backend.open();
const body = JSON.stringify({ hopper: 1, id: randomUUID(), job: "BenchNoop", version: 1, args: { sentAt: Date.now(), padding: "" }, queue: "q", priority: 0, enqueuedAt: new Date().toISOString(), attempt: 1, meta: {} });
const withRecords = process.env.PROBE_RECORDS === "on";
// RECORD_KEPT_UNTIL_LATER_WRITE_MS in @hopper/core: an unfinished record on the backend's own store is kept until a later write.
const keptMs = 100 * 365 * 86_400_000;
const recordArgs = JSON.stringify({ args: { sentAt: Date.now(), padding: "" } });
// One enqueued time per call, as the core stamps a bulk enqueue's jobs (enqueuer.ts), so the call's records agree.
const batch = (queue: string, size: number, enqueuedAt = Date.now()) =>
  Array.from({ length: size }, () => {
    const id = randomUUID();
    return { id, queue, body, ...(withRecords && { record: { id, job: "BenchNoop", queue, enqueuedAt, runAt: null, ttlMs: keptMs, args: recordArgs } }) };
  });
const records = withRecords ? { records: { ttlMs: keptMs } } : {};
const ack = (message: ReceivedMessage, queue: string) =>
  message.ack(withRecords ? { record: { id: message.id, job: "BenchNoop", queue, enqueuedAt: Date.now(), state: "succeeded", attempt: message.deliveryAttempt ?? 1, result: "null", finishedAt: Date.now(), ttlMs: 86_400_000 } } : undefined);

const { zero, dumpedTotal } = callgrindCounters(pid, dir);

try {
  for (const size of enqueueSizes.split(",").map(Number)) {
    const queue = `enqueue-${size}`;
    await backend.enqueue(batch(queue, size)); // loads the script
    zero();
    for (let sent = 0; sent < messages; sent += size) await backend.enqueue(batch(queue, size));
    console.log(`enqueue, calls of ${size}: ${(dumpedTotal() / messages).toFixed(0)} server instructions/message`);
  }
  for (const size of receiveSizes.split(",").map(Number)) {
    const queue = `receive-${size}`;
    for (let sent = 0; sent < messages + size; sent += 1000) await backend.enqueue(batch(queue, 1000));
    await Promise.all((await backend.receive({ queue, maxMessages: size, waitMs: 0, leaseMs: 30_000, ...records })).map((message) => ack(message, queue)));
    zero();
    for (let done = 0; done < messages; ) {
      const received = await backend.receive({ queue, maxMessages: Math.min(size, messages - done), waitMs: 0, leaseMs: 30_000, ...records });
      await Promise.all(received.map((message) => ack(message, queue)));
      done += received.length;
    }
    console.log(`receive ${size} at a time + ack: ${(dumpedTotal() / messages).toFixed(0)} server instructions/message`);
  }
  if (process.env.PROBE_SPLIT === "on") {
    // Receives and acks counted apart, with up to `held` messages leased at once, as a worker's prefetch holds them
    // (a `leased` set of that size is a skiplist, where the one above, acked at once, keeps a small listpack).
    const held = 200;
    for (const size of receiveSizes.split(",").map(Number)) {
      const queue = `split-${size}`;
      for (let sent = 0; sent < messages + size; sent += 1000) await backend.enqueue(batch(queue, 1000));
      await Promise.all((await backend.receive({ queue, maxMessages: size, waitMs: 0, leaseMs: 30_000, ...records })).map((message) => ack(message, queue)));
      let receiving = 0;
      let acking = 0;
      for (let done = 0; done < messages; ) {
        const rounds: ReceivedMessage[][] = [];
        zero();
        for (let taken = 0; taken < Math.min(held, messages - done); ) {
          const received = await backend.receive({ queue, maxMessages: Math.min(size, messages - done - taken), waitMs: 0, leaseMs: 30_000, ...records });
          rounds.push(received);
          taken += received.length;
        }
        receiving += dumpedTotal();
        zero();
        for (const received of rounds) await Promise.all(received.map((message) => ack(message, queue)));
        acking += dumpedTotal();
        done += rounds.reduce((sum, received) => sum + received.length, 0);
      }
      console.log(`receive ${size} at a time, ${held} held: ${(receiving / messages).toFixed(0)}; their acks: ${(acking / messages).toFixed(0)} server instructions/message`);
    }
  }
} finally {
  await backend.close();
}
