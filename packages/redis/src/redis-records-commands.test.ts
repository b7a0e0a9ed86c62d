import { randomUUID } from "node:crypto";
import { createConsoleLogger, createHopper, createMemoryCoordinationStore, Job } from "@hopper/core";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { commandCalls, DisposableRedisServer } from "./test-redis-server.js";
import { redisUrl } from "./test-redis-service.js";

/**
 * What job records cost the Redis server inside the scripts that carry them (no round trip of
 * their own: `redis-records-round-trips.test.ts`): commands per job counted by the server's own
 * statistics (those a script runs included), on a server of this test's own, records on against
 * off. Before #20's Redis work they cost 6 more per enqueued job and 20 more per drained one; before the
 * claim rode in the message, 2 and 5.
 */

const jobs = 400;

type Counts = Map<string, number>;

/** The bytes clients sent the server since the last RESETSTAT, kept under "bytes in" beside the commands. */
const bytesIn = "bytes in";

async function commandsAndBytes(admin: Redis): Promise<Counts> {
  const bytes = Number(/^total_net_input_bytes:(\d+)/m.exec(await admin.info("stats"))?.[1] ?? Number.NaN);
  return (await commandCalls(admin)).set(bytesIn, bytes);
}

const perJob = (calls: Counts, command?: string) => (command === undefined ? [...calls].reduce((sum, [name, count]) => (name === bytesIn ? sum : sum + count), 0) : (calls.get(command) ?? 0)) / jobs;

describe.skipIf(!redisUrl)("redis: what job records cost the server per job", () => {
  let server: DisposableRedisServer;
  let admin: Redis;
  beforeAll(async () => {
    server = await DisposableRedisServer.start(["--appendonly", "no"]);
    admin = new Redis(server.url);
  });
  afterAll(async () => {
    admin?.disconnect();
    await server?.stop();
  });

  /**
   * Commands the server ran to enqueue `jobs` jobs in one call, then to drain them at concurrency 10; with `listen`, a
   * hopper.events listener is on; `leases: "message"` turns the backend's compactLeases off (records on lease so anyway).
   */
  async function run(records: boolean, listen = false, leases: "compact" | "message" = "compact"): Promise<{ enqueue: Counts; drain: Counts; events: number }> {
    const queue = `commands-${randomUUID().slice(0, 8)}`;
    let performed = 0;
    let drained = () => {};
    class CountedJob extends Job<{ n: number }> {
      static override queue = queue;
      static override jobName = "CountedJob";
      async perform() {
        performed += 1;
        if (performed === jobs) drained();
      }
    }
    const url = leases === "message" ? `${server.url}${server.url.includes("?") ? "&" : "?"}compactLeases=false` : server.url;
    // Coordination (the worker's heartbeat and history, pause reads) elsewhere: its writes come on timers, so whether
    // one falls in a counted window is timing; only the backend's and the records' commands are counted.
    const hopper = createHopper({ url, jobs: [CountedJob], logger: createConsoleLogger("silent"), coordination: createMemoryCoordinationStore(), ...(records && { records: {} }) });
    let events = 0;
    try {
      if (listen) await hopper.events.on("*", () => (events += 1));
      // Loads the scripts and opens every connection: one job through first.
      await hopper.enqueue(CountedJob, { n: -1 });
      const warm = hopper.worker({ queues: [queue], concurrency: 1, handleSignals: false });
      const warming = warm.run();
      await new Promise<void>((resolve) => {
        drained = resolve;
        performed = jobs - 1;
      });
      await warm.stop();
      await warming;
      performed = 0;

      await admin.config("RESETSTAT");
      await hopper.enqueueAll(CountedJob, Array.from({ length: jobs }, (_, n) => ({ n })));
      const enqueue = await commandsAndBytes(admin);

      await admin.config("RESETSTAT");
      const done = new Promise<void>((resolve) => (drained = resolve));
      const worker = hopper.worker({ queues: [queue], concurrency: 10, handleSignals: false });
      const running = worker.run();
      await done;
      await worker.stop(); // waits for the acks in flight
      await running;
      const drain = await commandsAndBytes(admin);
      // Events arrive on their own connection: wait for the last ones (bounded) before counting them.
      for (let waited = 0; listen && events < 3 * (jobs + 1) && waited < 5000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
      return { enqueue, drain, events };
    } finally {
      await hopper.close();
    }
  }

  it("adds at most 1 command per enqueued job and 2 per drained job (the claim reads and writes no record: it rides in the message), with no PEXPIRE before the job finishes, the index written per call and a riding ack sent short", { timeout: 120_000 }, async () => {
    // Against records off with leases in the message, as a worker with records leases (the record's own commands)…
    const off = await run(false, false, "message");
    const on = await run(true);
    // …and against the default, compact leases, which a worker with records cannot use: the lease's own writes into
    // the message (the receive's HSET, the ack's read of the lease) come on top.
    const compactOff = await run(false);
    const extra = { enqueue: perJob(on.enqueue) - perJob(off.enqueue), drain: perJob(on.drain) - perJob(off.drain) };
    console.log(`[redis commands per job] records off: enqueue ${perJob(off.enqueue)}, drain ${perJob(off.drain)} (compact leases: ${perJob(compactOff.drain)}); on: enqueue ${perJob(on.enqueue)}, drain ${perJob(on.drain)}`);
    // A record's commands per job are fixed; an ack call that writes records adds three of its own (PUBSUB NUMSUB, the
    // index's ZADD and trim), counted by its NUMSUB: how many calls the worker made follows timing. So do a receive's
    // few per call, by a call or two between runs (0.05 a job). CI once read 4.13 against a flat bound of 4.1.
    const perAckCall = 3 * perJob(on.drain, "pubsub|numsub") + 0.05;
    expect(perJob(on.drain) - perJob(compactOff.drain)).toBeLessThanOrEqual(4 + perAckCall);
    expect(perJob(on.drain, "hset") - perJob(compactOff.drain, "hset") + perJob(on.drain, "hmget") - perJob(compactOff.drain, "hmget")).toBeLessThanOrEqual(3);
    // Insert: HSET, and one EXISTS for the call's records (one per record before 2026-12-04: +2 then). Claim: rs in
    // the message's own HSET, the record unread (it read the record's state until 2026-12-05: +3 then). Ack: HSET and
    // PEXPIRE, the record unread; the index's ZADD and trim, and PUBSUB NUMSUB, once per ack call. Main's scripts before: +2 and +5.
    expect(extra.enqueue).toBeLessThanOrEqual(1.05);
    expect(perJob(on.enqueue, "exists") - perJob(off.enqueue, "exists")).toBeLessThanOrEqual(0.05);
    expect(extra.drain).toBeLessThanOrEqual(2 + perAckCall);
    // The record is never read: the HMGETs per job are the messages' own, as many as with records off.
    expect(perJob(on.drain, "hmget")).toBe(perJob(off.drain, "hmget"));
    expect(perJob(on.drain, "hget")).toBe(perJob(off.drain, "hget"));
    // An unfinished record on Redis is kept until a later write: no expiry to set at enqueue or claim.
    expect(perJob(on.enqueue, "pexpire")).toBe(perJob(off.enqueue, "pexpire")); // the send tokens' set's, once per script call either way
    expect(perJob(on.drain, "pexpire")).toBe(1);
    // The index's trim runs at most once per ack call that writes records, never per job.
    expect(perJob(on.drain, "zremrangebyscore")).toBeLessThanOrEqual(perJob(on.drain, "pubsub|numsub"));
    // What the drain sends for a record: a riding ack's short form (id, state, result, finished, ttl; job, queue,
    // enqueued and attempt left to the message and its record). Main's scripts, eleven arguments per ack: +183 bytes (this: +35 on 2026-12-06).
    const extraBytes = perJob(on.drain, bytesIn) - perJob(off.drain, bytesIn);
    console.log(`[redis bytes in per drained job] records off ${perJob(off.drain, bytesIn).toFixed(0)}, on ${perJob(on.drain, bytesIn).toFixed(0)}`);
    expect(extraBytes).toBeLessThanOrEqual(130);
    // No listener: no record event published (the queue's wake-ups are published alike on and off).
    expect(perJob(on.enqueue, "publish")).toBe(perJob(off.enqueue, "publish"));
    expect(perJob(on.drain, "publish")).toBe(perJob(off.drain, "publish"));
  });

  it("publishes each change while a hopper.events listener is on", { timeout: 120_000 }, async () => {
    const off = await run(false);
    const on = await run(true, true);
    // waiting, running and succeeded: one PUBLISH each, every one delivered.
    expect(perJob(on.enqueue, "publish") - perJob(off.enqueue, "publish")).toBe(1);
    expect(perJob(on.drain, "publish") - perJob(off.drain, "publish")).toBe(2);
    expect(on.events).toBe(3 * (jobs + 1));
  });
});
