import { countRecordRoundTrips, type CountedBackend } from "@hopper/conformance";
import { Redis, type Command } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { createRedisBackend } from "./redis-backend.js";
import { redisUrl } from "./test-redis-service.js";

const clients: Redis[] = [];
afterAll(async () => {
  await Promise.all(clients.map((client) => client.quit()));
});

/** A backend on a client that counts the commands it sends, leaving out receive.lua calls (its fourth key is the queue's orphans). */
async function countedRedis(): Promise<CountedBackend> {
  const client = new Redis(redisUrl!);
  clients.push(client);
  let calls = 0;
  const send = client.sendCommand.bind(client);
  client.sendCommand = (command: Command, ...rest: unknown[]) => {
    const args = command.args.map(String);
    const isReceive = (command.name === "evalsha" || command.name === "eval") && args[1] === "4" && args[5]?.endsWith("}:orphans");
    if (!isReceive) calls += 1;
    return (send as (...all: unknown[]) => unknown)(command, ...rest);
  };
  return { backend: createRedisBackend({ client }), calls: () => calls };
}

describe.skipIf(!redisUrl)("redis: job records cost no extra round trip", () => {
  it("enqueue, claim and ack send as many commands per job with records on as off", { timeout: 60_000 }, async () => {
    const off = await countRecordRoundTrips(countedRedis, false);
    const on = await countRecordRoundTrips(countedRedis, true);
    console.log(`[redis round trips per job] records off ${JSON.stringify(off)}, on ${JSON.stringify(on)}`);
    expect(off.enqueue).toBeGreaterThan(0);
    expect(on).toEqual(off);
  });
});
