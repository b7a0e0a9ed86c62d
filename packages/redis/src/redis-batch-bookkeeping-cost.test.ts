import { randomUUID } from "node:crypto";
import { createConsoleLogger, createHopper, Job, type Hopper } from "@hopper/core";
import type { ReceivedMessage } from "@hopper/core/backend";
import { createMemoryBackend } from "@hopper/core/memory";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedisCoordinationStore } from "./redis-coordination-store.js";
import { commandCalls, DisposableRedisServer } from "./test-redis-server.js";
import { redisUrl } from "./test-redis-service.js";

/**
 * A batch's bookkeeping per child is O(1) on Redis: counted with the server's
 * own command statistics (every command, those run inside scripts included),
 * on a server of this test's own, so nothing else is counted. The jobs travel
 * on the memory backend: every Redis command is the batch's.
 */

/** Commands whose cost grows with the size of the key they read: none may run once per child. */
const scansOfAKey = new Set(["hgetall", "hkeys", "hvals", "hscan", "smembers", "sscan", "zrange", "zrangebyscore", "zscan", "lrange", "keys", "scan"]);

/** GET is the pause flag a push handler reads at most once a second, not the batch's. */
async function batchCommandCalls(admin: Redis): Promise<Map<string, number>> {
  const calls = await commandCalls(admin);
  calls.delete("get");
  return calls;
}

describe.skipIf(!redisUrl)("redis batch bookkeeping cost", () => {
  let server: DisposableRedisServer;
  let admin: Redis;
  const hoppers: Hopper[] = [];
  beforeAll(async () => {
    // No fsync per write: this counts commands, it does not test durability.
    server = await DisposableRedisServer.start(["--appendonly", "no"]);
    admin = new Redis(server.url);
  });
  afterAll(async () => {
    await Promise.all(hoppers.map((hopper) => hopper.close()));
    admin?.disconnect();
    await server?.stop();
  });

  /** Children counted at the end of each batch. */
  const measured = 50;

  /** Runs a batch of `size` children; the commands its children's bookkeeping made, before the seal lets the batch end. */
  async function childCommands(size: number): Promise<Map<string, number>> {
    const queue = `cost-${randomUUID().slice(0, 8)}`;
    class Child extends Job<{ n: number }> {
      static override queue = queue;
      static override jobName = `${queue}-child`;
      async perform() {}
    }
    class Done extends Job<{ size: number }> {
      static override queue = queue;
      static override jobName = `${queue}-done`;
      async perform() {}
    }
    const backend = createMemoryBackend({ store: queue });
    const hopper = createHopper({ backend, jobs: [Child, Done], logger: createConsoleLogger("silent"), coordination: createRedisCoordinationStore({ url: server.url }) });
    hoppers.push(hopper);
    const batch = await hopper.batch({ onComplete: [Done, { size }] });
    await batch.addAll(Child, Array.from({ length: size }, (_, n) => ({ n })));
    const messages: ReceivedMessage[] = [];
    while (messages.length < size) messages.push(...(await backend.receive({ queue, maxMessages: 1000, waitMs: 0, leaseMs: 600_000 })));
    expect(messages).toHaveLength(size);
    const run = (batchOf: typeof messages) => Promise.all(batchOf.map((message) => hopper.runMessage({ queue, body: message.body, id: message.id, deliveryAttempt: 1 })));
    // The batch is not sealed: no child is the last, so each makes only its own bookkeeping.
    for (let from = 0; from < size - measured; from += 50) await run(messages.slice(from, Math.min(from + 50, size - measured)));
    // The last children are counted: by now the batch's keys hold every other child.
    await admin.config("RESETSTAT");
    await run(messages.slice(size - measured));
    const calls = await batchCommandCalls(admin);
    const status = await batch.status();
    expect(status).toMatchObject({ total: size, succeeded: size, pending: 0, sealed: false });
    return calls;
  }

  it("makes the same commands per child in a batch of 100 and of 10,000, none reading a whole key", async () => {
    await childCommands(10); // loads every script once (a first EVALSHA falls back to EVAL)
    const small = await childCommands(100);
    const large = await childCommands(10_000);
    const perChild = (calls: Map<string, number>) => Object.fromEntries([...calls].map(([command, count]) => [command, count / measured]));
    expect(perChild(large)).toEqual(perChild(small));
    expect([...large.keys()].filter((command) => scansOfAKey.has(command))).toEqual([]);
    // The scripts: each child's bookkeeping is a fixed number of them.
    expect(large.get("evalsha")! / measured).toBeGreaterThan(0);
  }, 300_000);
});
