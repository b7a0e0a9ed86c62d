import { randomBytes } from "node:crypto";
import { ConfigurationError, createHopper, decodeEnvelope, Job, UnsupportedCapabilityError, type Hopper, type HopperOptions } from "@hopper/core";
import type { Backend } from "@hopper/core/backend";
import { requireService } from "@hopper/services";
import { afterEach, describe, expect, it } from "vitest";

// One Hopper over real Redis, PostgreSQL and the fauxqs SQS emulator (createHopper({ routes })): each
// routed queue's jobs land on its server, asked directly; a worker drains a queue from Redis while its
// new jobs go to PostgreSQL, every job running once; a drained job's retry goes to PostgreSQL.

const redisUrl = requireService("redis")?.HOPPER_TEST_REDIS_URL;
const postgresBase = requireService("postgres")?.HOPPER_TEST_POSTGRES_URL;
const postgresUrl = postgresBase && `${postgresBase}?schema=hopper_routing_test`;
const sqsEndpoint = requireService("sqs")?.HOPPER_TEST_SQS_ENDPOINT;
const sqsUrl = sqsEndpoint && `sqs://us-east-1/rt${randomBytes(3).toString("hex")}-?endpoint=${encodeURIComponent(sqsEndpoint)}&createQueues=true`;

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const suffix = randomBytes(4).toString("hex");
const billing = `billing-${suffix}`;
const mailers = `mailers-${suffix}`;
const moving = `moving-${suffix}`;
const retried = `retried-${suffix}`;

/** Job number → how many times it ran. */
const runs = new Map<number, number>();
const ran = (n: number) => runs.set(n, (runs.get(n) ?? 0) + 1);

class Charge extends Job<{ n: number }> {
  static override queue = billing;
  async perform({ n }: { n: number }) {
    ran(n);
  }
}
class Mail extends Job<{ n: number }> {
  static override queue = mailers;
  async perform({ n }: { n: number }) {
    ran(n);
  }
}
class Move extends Job<{ n: number }> {
  static override queue = moving;
  async perform({ n }: { n: number }) {
    ran(n);
  }
}
/** Fails its first attempt; the retry waits an hour, so where it went can be read before it runs. */
class FailsOnce extends Job<{ n: number }> {
  static override queue = retried;
  static override retry = { attempts: 3, wait: "1h" as const, jitter: 0 };
  async perform({ n }: { n: number }, context: { attempt: number }) {
    ran(n);
    if (context.attempt === 1) throw new Error("the first attempt fails");
  }
}
class Urgent extends Job<{ n: number }> {
  static override queue = billing;
  static override priority = 5;
  async perform() {}
}

const opened: Hopper[] = [];
afterEach(async () => {
  runs.clear();
  await Promise.all(opened.splice(0).map((hopper) => hopper.close()));
});
function hopper(options: Omit<HopperOptions, "logger">): Hopper {
  const created = createHopper({ logger: silent, ...options });
  opened.push(created);
  return created;
}
/** The server behind `url`, asked directly (its own connection, not the routed Hopper's). */
const server = (url: string): Promise<Backend> => hopper({ url, jobs: [] }).backend;
const left = async (backend: Backend, queue: string) => {
  const stats = await backend.stats!(queue);
  return stats.ready + stats.delayed + stats.inFlight;
};
async function until(predicate: () => boolean | Promise<boolean>, description: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${description}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
const range = (from: number, count: number) => Array.from({ length: count }, (_, index) => ({ n: from + index }));

describe.skipIf(!redisUrl || !postgresUrl)("one Hopper over Redis and PostgreSQL", () => {
  it("sends a queue routed to PostgreSQL there and the rest to Redis, and one worker runs both", async () => {
    const routed = hopper({ url: redisUrl!, routes: { [billing]: postgresUrl! }, jobs: [Charge, Mail] });
    await Charge.performAllLater(range(0, 5));
    await Mail.performAllLater(range(5, 5));
    const [redis, postgres] = await Promise.all([server(redisUrl!), server(postgresUrl!)]);
    expect(await postgres.stats!(billing)).toMatchObject({ ready: 5 });
    expect(await redis.stats!(billing)).toMatchObject({ ready: 0 });
    expect(await redis.stats!(mailers)).toMatchObject({ ready: 5 });
    expect(await postgres.stats!(mailers)).toMatchObject({ ready: 0 });

    const worker = routed.worker({ queues: [billing, mailers], concurrency: 4 });
    const running = worker.run();
    await until(() => runs.size === 10, "all ten jobs ran");
    await worker.stop();
    await running;
    expect([...runs.values()].every((count) => count === 1)).toBe(true);
    expect(await left(postgres, billing)).toBe(0);
    expect(await left(redis, mailers)).toBe(0);
  });

  it("drains a queue from Redis while its new jobs go to PostgreSQL: every job runs once, none is lost", async () => {
    const old = hopper({ url: redisUrl!, jobs: [Move] });
    await old.enqueueAll(Move, range(0, 300));
    const migrating = hopper({ url: postgresUrl!, routes: { [moving]: { drainFrom: [redisUrl!] } }, jobs: [Move] });
    const [redis, postgres] = await Promise.all([server(redisUrl!), server(postgresUrl!)]);

    const worker = migrating.worker({ queues: [moving], concurrency: 8 });
    const running = worker.run();
    // While the worker runs: new jobs through the migrating Hopper, and an old producer (not yet redeployed) still on Redis.
    await Promise.all([
      (async () => {
        for (let from = 300; from < 600; from += 50) await Move.performAllLater(range(from, 50));
      })(),
      (async () => {
        for (let from = 600; from < 700; from += 20) await old.enqueueAll(Move, range(from, 20));
      })(),
    ]);
    await until(() => runs.size === 700, "all 700 jobs ran", 120_000);
    await worker.stop();
    await running;
    expect([...runs.entries()].filter(([, count]) => count !== 1)).toEqual([]);
    expect([...runs.keys()].sort((a, b) => a - b)).toEqual(range(0, 700).map(({ n }) => n));
    expect(await left(redis, moving)).toBe(0);
    expect(await left(postgres, moving)).toBe(0);
  });

  it("keeps every queue's records in the default backend's store (Redis), a routed queue's too", async () => {
    const routed = hopper({ url: redisUrl!, routes: { [billing]: postgresUrl! }, records: {}, jobs: [Charge] });
    const id = await Charge.performLater({ n: 1 });
    expect(await routed.jobs.get(id)).toMatchObject({ state: "waiting", queue: billing });
    const worker = routed.worker({ queues: [billing] });
    const running = worker.run();
    await until(async () => (await routed.jobs.get(id))?.state === "succeeded", "the record says succeeded");
    await worker.stop();
    await running;
    // Not in PostgreSQL's record store: the routed queue's records are written to the Hopper's own.
    expect(await hopper({ url: postgresUrl!, records: {}, jobs: [] }).jobs.get(id)).toBeNull();
  });

  it("sends the retry of a job received from Redis to PostgreSQL (the queue's send backend), then removes it from Redis", async () => {
    const old = hopper({ url: redisUrl!, jobs: [FailsOnce] });
    const id = await old.enqueue(FailsOnce, { n: 1 });
    const migrating = hopper({ url: postgresUrl!, routes: { [retried]: { drainFrom: [redisUrl!] } }, jobs: [FailsOnce] });
    const [redis, postgres] = await Promise.all([server(redisUrl!), server(postgresUrl!)]);
    const worker = migrating.worker({ queues: [retried] });
    const running = worker.run();
    await until(async () => (await postgres.stats!(retried)).delayed === 1, "the retry delayed on PostgreSQL");
    await worker.stop();
    await running;
    expect(await left(redis, retried)).toBe(0);
    const [retry] = await postgres.takeScheduled!({ queue: retried, maxMessages: 10, leaseMs: 60_000 });
    expect(decodeEnvelope(retry!.body)).toMatchObject({ id, attempt: 2 });
    expect(runs.get(1)).toBe(1);
  });
});

describe.skipIf(!redisUrl || !sqsUrl)("a queue routed to SQS", () => {
  it("lands on SQS, asked directly, and runs", async () => {
    const routed = hopper({ url: redisUrl!, routes: { [billing]: sqsUrl! }, jobs: [Charge] });
    const id = await Charge.performLater({ n: 1 });
    const sqs = await server(sqsUrl!);
    const [message] = await sqs.receive({ queue: billing, maxMessages: 10, waitMs: 2000, leaseMs: 1000 });
    expect(message?.id).toBe(id);
    // Handed back at once, so the routed worker receives it from SQS.
    await message!.nack({ retryAfterMs: 0 });
    expect(await (await server(redisUrl!)).stats!(billing)).toMatchObject({ ready: 0 });
    const worker = routed.worker({ queues: [billing] });
    const running = worker.run();
    await until(() => runs.get(1) === 1, "the job ran from SQS");
    await worker.stop();
    await running;
  });

  it("refuses a job whose queue's backend lacks what it needs, naming the job, the queue and the backend", async () => {
    const routed = hopper({ url: redisUrl!, routes: { [billing]: sqsUrl! }, jobs: [Urgent] });
    const error = await routed.backend.then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(ConfigurationError.isInstance(error)).toBe(true);
    expect((error as ConfigurationError).field).toBe("Urgent.priority");
    expect((error as Error).message).toContain(`sqs (queue "${billing}")`);
    // The same job on a queue left on Redis is served.
    const onRedis = hopper({ url: redisUrl!, routes: { [mailers]: sqsUrl! }, jobs: [Urgent] });
    await expect(onRedis.backend).resolves.toBeDefined();
  });

  it("refuses at enqueue an option the routed queue's backend cannot honour, and takes it on a queue left on Redis", async () => {
    hopper({ url: redisUrl!, routes: { [billing]: sqsUrl! }, jobs: [Charge] });
    const refused = await Charge.set({ priority: 3 }).performLater({ n: 1 }).catch((error: unknown) => error);
    expect(UnsupportedCapabilityError.isInstance(refused)).toBe(true);
    expect((refused as Error).message).toContain(`sqs (queue "${billing}")`);
    await expect(Charge.set({ priority: 3, queue: mailers }).performLater({ n: 2 })).resolves.toEqual(expect.any(String));
  });
});
