/**
 * The clients the backend creates wait 50 ms more before each reconnect, at most 2 s (reconnectDelayMs), where
 * ioredis 6's own default doubles up to 5 s: with its 20 attempts per command, a command caught in an outage would
 * fail after ~75 s instead of ~10 s, and a worker's close waiting on its last acks would outlast its shutdown timeout.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { connect } from "./redis-connection.js";
import { DisposableRedisServer } from "./test-redis-server.js";

/** The delays `client` announces as it reconnects, once it has announced `count` of them. */
async function reconnectDelays(client: ReturnType<typeof connect>["client"], count: number): Promise<number[]> {
  const delays: number[] = [];
  client.on("reconnecting", (delayMs: number) => delays.push(delayMs));
  for (let waited = 0; delays.length < count && waited < 15_000; waited += 50) await sleep(50);
  return delays.slice(0, count);
}

describe("redis: reconnect delays of the clients the backend creates", () => {
  it("grow by 50 ms an attempt after the server goes away; a retryStrategy in redisOptions replaces them", { timeout: 30_000 }, async () => {
    const server = await DisposableRedisServer.start();
    const created = connect({ url: server.url }).client;
    const given = connect({ url: server.url, redisOptions: { retryStrategy: () => 120 } }).client;
    try {
      await Promise.all([created.ping(), given.ping()]);
      const delays = Promise.all([reconnectDelays(created, 6), reconnectDelays(given, 3)]);
      await server.kill();
      expect(await delays).toEqual([
        [50, 100, 150, 200, 250, 300],
        [120, 120, 120],
      ]);
    } finally {
      created.disconnect();
      given.disconnect();
      await server.stop();
    }
  });
});
