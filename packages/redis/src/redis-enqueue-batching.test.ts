import { createServer, type Server, type Socket } from "node:net";
import { BackendUnavailableError, createConsoleLogger, createHopper, EnqueueFailedError, Job } from "@hopper/core";
import { countingBackend } from "@hopper/conformance";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedisBackend, type RedisBackend } from "./redis-backend.js";
import { commandCalls, DisposableRedisServer } from "./test-redis-server.js";

// A server of this file's own, so the command counts are this file's alone.
describe("redis: concurrent single enqueues share round trips", () => {
  let server: DisposableRedisServer;
  let admin: Redis;
  let backend: RedisBackend;
  beforeAll(async () => {
    server = await DisposableRedisServer.start(["--appendfsync", "no"]);
    admin = new Redis(server.url);
    backend = createRedisBackend({ url: server.url });
  });
  afterAll(async () => {
    await backend?.close();
    admin?.disconnect();
    await server?.stop();
  });

  /** Script calls so far: each enqueue batch is one per queue. */
  async function scriptCalls(): Promise<number> {
    const calls = await commandCalls(admin);
    return (calls.get("evalsha") ?? 0) + (calls.get("eval") ?? 0);
  }

  it("200 concurrent performLater calls cost far fewer script calls than jobs, and all 200 are queued", async () => {
    class Ping extends Job<{ n: number }> {
      static override queue = "batching-count";
      async perform() {}
    }
    const hopper = createHopper({ backend, jobs: [Ping], logger: createConsoleLogger("silent") });
    await Ping.performLater({ n: -1 }); // loads the script, so the count below is sends only
    const before = await scriptCalls();
    const ids = await Promise.all(Array.from({ length: 200 }, (_, n) => Ping.performLater({ n })));
    const calls = (await scriptCalls()) - before;
    expect(new Set(ids).size).toBe(200);
    expect(calls).toBeGreaterThanOrEqual(1);
    expect(calls).toBeLessThan(200 / 4);
    expect((await backend.stats!("batching-count")).ready).toBe(201);
    await hopper.close();
  });

  it("callers that enqueue again as soon as their last enqueue returns share the lane's two sends (at most two script calls per round of callers)", async () => {
    class Loop extends Job<{ n: number }> {
      static override queue = "batching-callers";
      async perform() {}
    }
    // Its own backend: closing a Hopper closes the backend it was given.
    const own = createRedisBackend({ url: server.url });
    const hopper = createHopper({ backend: own, jobs: [Loop], logger: createConsoleLogger("silent") });
    await Loop.performLater({ n: -1 });
    const callers = 10;
    const rounds = 20;
    const before = await scriptCalls();
    // A web app's request handlers: each sends its next job when the last one is queued.
    await Promise.all(
      Array.from({ length: callers }, async (_, caller) => {
        for (let round = 0; round < rounds; round += 1) await Loop.performLater({ n: caller * rounds + round });
      }),
    );
    const calls = (await scriptCalls()) - before;
    // Two sends in flight (REDIS_CAPABILITIES.enqueueSendsInFlight): the callers a send answered go together
    // in its place, so a round of callers costs at most two script calls, not one per caller (a spare for the first calls).
    expect(backend.capabilities.enqueueSendsInFlight).toBe(2);
    expect(calls).toBeLessThanOrEqual(2 * rounds + 2);
    expect((await own.stats!("batching-callers")).ready).toBe(callers * rounds + 1);
    await hopper.close();
  });

  it("when the server refuses a shared send, each call fails with its own job only, and the next send works", async () => {
    class Refused extends Job<{ n: number }> {
      static override queue = "batching-refused";
      async perform() {}
    }
    const other = createRedisBackend({ url: server.url });
    const hopper = createHopper({ backend: other, jobs: [Refused], logger: createConsoleLogger("silent") });
    await Refused.performLater({ n: -1 });
    await admin.config("SET", "maxmemory", "1");
    try {
      const outcomes = await Promise.allSettled(Array.from({ length: 20 }, (_, n) => Refused.performLater({ n })));
      for (const outcome of outcomes) {
        expect(outcome.status).toBe("rejected");
        const error = (outcome as PromiseRejectedResult).reason;
        expect(EnqueueFailedError.isInstance(error)).toBe(true);
        expect((error as EnqueueFailedError).failures).toHaveLength(1);
        expect(String((error as EnqueueFailedError).failures[0]!.error)).toMatch(/OOM/);
      }
    } finally {
      await admin.config("SET", "maxmemory", "0");
    }
    await Refused.performLater({ n: 20 });
    expect((await other.stats!("batching-refused")).ready).toBe(2);
    await hopper.close();
  });
});

// A peer that accepts connections and never answers: a send to it never settles.
describe("redis: a send that is never answered does not hold back later enqueues", () => {
  let silent: Server;
  const sockets: Socket[] = [];
  beforeAll(async () => {
    silent = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent?.close(resolve));
  });

  it("once its caller gives up, the next call goes on the wire instead of waiting behind it", async () => {
    class Unanswered extends Job<{ n: number }> {
      static override queue = "batching-unanswered";
      async perform() {}
    }
    const { port } = silent.address() as { port: number };
    const backend = createRedisBackend({ url: `redis://127.0.0.1:${port}` });
    const counting = countingBackend(backend);
    createHopper({ backend: counting.backend, jobs: [Unanswered], connectTimeout: "300ms", logger: createConsoleLogger("silent") });
    // As many calls as the lane keeps sends in flight fill it with endless sends.
    const sendsInFlight = backend.capabilities.enqueueSendsInFlight ?? 1;
    const first = await Promise.all(Array.from({ length: sendsInFlight }, (_, n) => Unanswered.performLater({ n }).catch((error: unknown) => error)));
    expect(first.every((error) => BackendUnavailableError.isInstance(error))).toBe(true);
    const second = await Unanswered.performLater({ n: sendsInFlight }).catch((error: unknown) => error);
    expect(BackendUnavailableError.isInstance(second)).toBe(true);
    // All reached the backend: the last was not parked behind the endless sends.
    expect(counting.calls).toHaveLength(sendsInFlight + 1);
    // Not awaited: closing waits for the unanswered commands, which the socket teardown in afterAll ends.
    backend.close().catch(() => {});
  });

  it("calls waiting behind an unanswered send fail within the bound too, and are never sent", async () => {
    class Parked extends Job<{ n: number }> {
      static override queue = "batching-parked";
      async perform() {}
    }
    const { port } = silent.address() as { port: number };
    const backend = createRedisBackend({ url: `redis://127.0.0.1:${port}` });
    const counting = countingBackend(backend);
    // What happened to each call, in order: `sent n` as its send leaves, `gave up n` as its caller is told it failed.
    const events: string[] = [];
    const enqueue = counting.backend.enqueue.bind(counting.backend);
    counting.backend.enqueue = (messages, options) => {
      for (const message of messages) events.push(`sent ${/"n":(\d+)/.exec(message.body)?.[1]}`);
      return enqueue(messages, options);
    };
    createHopper({ backend: counting.backend, jobs: [Parked], connectTimeout: "300ms", logger: createConsoleLogger("silent") });
    const startedAt = Date.now();
    const outcomes = await Promise.allSettled(
      Array.from({ length: 5 }, (_, n) =>
        Parked.performLater({ n }).catch((error: unknown) => {
          events.push(`gave up ${n}`);
          throw error;
        }),
      ),
    );
    for (const outcome of outcomes) {
      expect(outcome.status).toBe("rejected");
      const error = (outcome as PromiseRejectedResult).reason as BackendUnavailableError;
      expect(BackendUnavailableError.isInstance(error)).toBe(true);
      expect(error.timeoutMs).toBe(300);
    }
    expect(Date.now() - startedAt).toBeLessThan(3000);
    // The first calls took the lane's sends, one each; the ones behind them waited. A call whose caller was told it
    // failed is never sent afterwards. (How many waited depends on how far apart the calls reached the lane: a call
    // more than the bound's slack behind the first ones may take a place they gave up, as the test above shows.)
    const sendsInFlight = backend.capabilities.enqueueSendsInFlight ?? 1;
    expect(counting.calls.length).toBeGreaterThanOrEqual(sendsInFlight);
    expect(counting.calls.every((call) => call.ids.length === 1)).toBe(true);
    await new Promise((resolve) => setImmediate(resolve));
    for (let n = 0; n < 5; n++) {
      const sent = events.indexOf(`sent ${n}`);
      if (sent !== -1) expect(sent).toBeLessThan(events.indexOf(`gave up ${n}`));
    }
    expect(events.filter((event) => event.startsWith("sent"))).toHaveLength(counting.calls.length);
    expect(events.filter((event) => event.startsWith("gave up"))).toHaveLength(5);
    backend.close().catch(() => {});
  });
});
