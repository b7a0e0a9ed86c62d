import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { createConsoleLogger, createHopper, type Hopper, Job, type JobContext } from "@hopper/core";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { createRedisBackend } from "./redis-backend.js";
import { redisUrl } from "./test-redis-service.js";

/**
 * A rolling deploy between main's layout (a63e41b: every claim and ack reads and writes the record
 * key) and this one (a claim rides in the job's message, records.lua): jobs enqueued by either
 * version are run by the other, and every record reaches its end, read right on the way.
 * main's enqueue, receive and ack scripts are kept verbatim in test-fixtures/main-scripts.
 */

/** A client whose queue scripts are main's: a backend given it keeps them (defineScripts adds only the missing ones). */
function clientWithMainScripts(url: string): Redis {
  const read = (file: string) => readFileSync(new URL(`./test-fixtures/main-scripts/${file}`, import.meta.url), "utf8");
  const prelude = `${read("common.lua")}\nlocal record_one_node = true\n${read("records.lua")}`;
  const client = new Redis(url);
  client.defineCommand("hopperEnqueueMain", { numberOfKeys: 4, lua: `${prelude}\n${read("enqueue.lua")}` });
  client.defineCommand("hopperReceiveMain", { numberOfKeys: 4, lua: `${prelude}\n${read("receive.lua")}` });
  client.defineCommand("hopperAckMain", { lua: `${prelude}\n${read("ack.lua")}` });
  // This version's AckBatcher sends each ack's record with a form ("" none, "f" whole, "r" short); main's ack.lua
  // takes eleven arguments per ack, as main's AckBatcher sent them. Main's receive never says "riding", so no "r".
  const mainClient = client as unknown as Record<string, (...args: unknown[]) => Promise<number>>;
  // This version's enqueue declares its ordering lines after the four keys (main's declares none) and sends a send token
  // after the queue name (enqueue.lua: a resent script stores nothing twice); main's has none.
  mainClient.hopperEnqueue = (keyCount, ...rest) => {
    const args = [...rest.slice(0, 4), ...rest.slice(Number(keyCount))];
    return mainClient.hopperEnqueueMain!(...args.slice(0, 9), ...mainEnqueueMessageArgs(args[6] !== "", args.slice(10)));
  };
  mainClient.hopperEnqueueNoRecords = mainClient.hopperEnqueue;
  // Main's receive answers six values a message, where this version's reads two (receive.lua, Returns); the lease form
  // argument after its own it never reads.
  mainClient.hopperReceive = async (...args) => mainReceiveReply((await mainClient.hopperReceiveMain!(...args)) as unknown as unknown[]) as unknown as number;
  mainClient.hopperAck = (keyCount, ...rest) => mainClient.hopperAckMain!(keyCount, ...mainAckArgs(Number(keyCount), rest));
  return client;
}

/**
 * This version's enqueue arguments after the token as main's took them: each message's six arguments (this version's
 * plain form sends id and body only) and, with records, its seven record arguments (the "s" form sends six once).
 */
function mainEnqueueMessageArgs(withRecords: boolean, [messageForm, ...args]: unknown[]): unknown[] {
  const own = messageForm === "p" ? 2 : 6;
  const full = (message: unknown[]) => (own === 2 ? [...message, "0", "0", "", ""] : message);
  const recordForm = withRecords ? args.shift() : undefined;
  const shared = recordForm === "s" ? args.splice(0, 6) : undefined;
  const perMessage = own + (recordForm === undefined ? 0 : shared ? 1 : 7);
  const expanded: unknown[] = [];
  for (let index = 0; index < args.length; index += perMessage) {
    const message = args.slice(index, index + perMessage);
    expanded.push(...full(message.slice(0, own)));
    if (shared) expanded.push(...shared, message[own]);
    else if (recordForm !== undefined) expanded.push(...message.slice(own));
  }
  return expanded;
}

/** Main's receive reply in this version's shape: per message "<handle> <token> <attempt> <record> <id>" and the body. */
function mainReceiveReply(reply: unknown[]): unknown[] {
  const orphaned = Number(reply[2]);
  const shaped = reply.slice(0, 3 + orphaned);
  for (let index = 3 + orphaned; index < reply.length; index += 6) {
    const [handle, id, body, token, attempt, record] = reply.slice(index, index + 6);
    shaped.push(`${String(handle)} ${String(token)} ${String(attempt)} ${String(record)} ${String(id)}`, body);
  }
  return shaped;
}

function mainAckArgs(keyCount: number, rest: unknown[]): unknown[] {
  const head = rest.slice(0, keyCount + 4);
  if (head[keyCount + 2] === "") return rest;
  // What the call's short acks share (state, ttl, value, finished; this version's "s" and "S" forms) is not main's:
  // no ack here takes those forms, so no call sends every ack as "S" either.
  if (rest[keyCount + 8] !== "") throw new Error(`main's receive never leaves a claim riding, yet every ack took the form ${String(rest[keyCount + 8])}`);
  for (let index = keyCount + 9; index < rest.length; ) {
    const [handle, attempt, form] = rest.slice(index, index + 3);
    if (form === "") {
      head.push(handle, attempt, ...Array<string>(11).fill(""));
      index += 3;
    } else if (form === "f") {
      head.push(handle, attempt, ...rest.slice(index + 3, index + 14));
      index += 14;
    } else {
      throw new Error(`main's receive never leaves a claim riding, yet an ack took the form ${String(form)}`);
    }
  }
  return head;
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (const started = Date.now(); Date.now() - started < 15_000; await sleep(25)) if (await check()) return;
  throw new Error(`timed out waiting until ${what}`);
}

describe.skipIf(!redisUrl)("redis records across a rolling deploy from main's layout", () => {
  async function scenario(enqueuedBy: "main" | "this", runBy: "main" | "this"): Promise<void> {
    const keyPrefix = `rolling-${randomUUID().slice(0, 8)}`;
    const queue = "rolling";
    let release = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const performed: number[] = [];
    class Gated extends Job<{ n: number }> {
      static override queue = queue;
      static override jobName = "Gated";
      async perform({ n }: { n: number }, context: JobContext) {
        performed.push(n);
        await new Promise<void>((resolve, reject) => {
          void gate.then(resolve);
          context.signal.addEventListener("abort", () => reject(context.signal.reason as Error));
        });
        return { n };
      }
    }
    const mainClient = clientWithMainScripts(redisUrl!);
    const hopperOn = (client: Redis | undefined): Hopper =>
      createHopper({ backend: createRedisBackend(client ? { client, keyPrefix } : { url: redisUrl!, keyPrefix }), jobs: [Gated], logger: createConsoleLogger("silent"), records: { cancelCheck: "100ms" } });
    const main = hopperOn(mainClient);
    const current = hopperOn(undefined);
    const enqueuer = enqueuedBy === "main" ? main : current;
    const runner = runBy === "main" ? main : current;
    try {
      const ids = await enqueuer.enqueueAll(Gated, [{ n: 1 }, { n: 2 }, { n: 3 }]);
      // The reading side is this version's (hopper.jobs of the current Hopper) for every record.
      expect((await current.jobs.get(ids[0]!))?.state).toBe("waiting");
      expect(await current.jobs.cancel(ids[1]!)).toMatchObject({ cancelled: true });

      const worker = runner.worker({ queues: [queue], concurrency: 2, handleSignals: false });
      const working = worker.run();
      await until("jobs 1 and 3 run", async () => performed.includes(1) && performed.includes(3));
      const first = await current.jobs.get(ids[0]!);
      expect(first).toMatchObject({ state: "running", attempt: 1, finishedAt: null });
      expect(first?.startedAt).toBeInstanceOf(Date);
      // main's get (one HGETALL) reads the record key alone: it says running unless this version enqueued and claimed the job.
      const recordKey = `${keyPrefix}:record:${ids[0]!}`;
      expect(await mainClient.hget(recordKey, "s")).toBe(enqueuedBy === "this" && runBy === "this" ? "waiting" : "running");
      // A running job cancelled from this version stops, on either worker.
      expect(await current.jobs.cancel(ids[2]!)).toMatchObject({ stopping: true });
      await until("job 3 ends cancelled", async () => (await current.jobs.get(ids[2]!))?.state === "cancelled");
      release();
      await until("job 1 succeeds", async () => (await current.jobs.get(ids[0]!))?.state === "succeeded");
      await worker.stop();
      await working;

      expect(performed.sort()).toEqual([1, 3]);
      const done = await current.jobs.get(ids[0]!);
      expect(done).toMatchObject({ state: "succeeded", attempt: 1, result: { n: 1 }, error: null, runAt: null });
      expect(done?.startedAt).toBeInstanceOf(Date);
      expect(done?.finishedAt).toBeInstanceOf(Date);
      expect((await current.jobs.get(ids[1]!))?.state).toBe("cancelled");
      expect((await current.jobs.list({ state: "succeeded" })).records.map((record) => record.id)).toEqual([ids[0]]);
    } finally {
      await Promise.all([main.close(), current.close()]);
      mainClient.disconnect();
    }
  }

  it("runs and records jobs main's scripts enqueued on a worker of this version", { timeout: 60_000 }, async () => {
    await scenario("main", "this");
  });

  it("runs and records jobs this version enqueued on a worker still on main's scripts", { timeout: 60_000 }, async () => {
    await scenario("this", "main");
  });

  it("runs and records jobs enqueued and run by this version, as a baseline for the two above", { timeout: 60_000 }, async () => {
    await scenario("this", "this");
  });
});
