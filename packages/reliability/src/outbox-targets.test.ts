import { randomBytes } from "node:crypto";
import { ConfigurationError, createHopper, decodeEnvelope, Job, UnsupportedCapabilityError, type Hopper } from "@hopper/core";
import { sendInBatches, type Backend, type OutgoingMessage } from "@hopper/core/backend";
import { createPostgresCoordinationStore } from "@hopper/postgres";
import { createPubSubBackend } from "@hopper/pubsub";
import { requireService } from "@hopper/services";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// The PostgreSQL outbox in front of real queues (Redis, a PostgreSQL queue, the fauxqs SQS emulator, the Pub/Sub emulator):
// what the relay forwards is what committed, in each ordering key's commit order, and what a target
// cannot do is refused at performLater, inside the caller's transaction, never at relay time.

class OutboxTargetJob extends Job<{ n: number }> {
  async perform() {}
}
class UniqueOutboxTargetJob extends Job<{ n: number }> {
  static override unique = { key: (args: { n: number }) => String(args.n), ttl: "1h" };
  async perform() {}
}

const silent = { debug() {}, info() {}, warn() {}, error() {} };

interface OutboxTarget {
  readonly name: string;
  /** What a second send of one job id (a relay killed between send and delete) leaves on the queue, as the postgres README states it. */
  readonly copiesOfAResend: 1 | 2;
  /** Whether the Hopper's coordination store is on the outbox's database, so unique keys can be reserved in the caller's transaction. */
  readonly coordinationJoinsTransactions: boolean;
  /** Undefined when the service is missing (requireService skips loudly locally, fails under CI=true). */
  open(postgresUrl: string, schema: string): { url?: string; backend?: Backend; needsCoordination: boolean } | undefined;
}

const region = process.env.AWS_REGION ?? "us-east-1";
const prefix = () => `o${randomBytes(3).toString("hex")}-`;

function sqs(name: string, fifo: boolean): OutboxTarget {
  return {
    name,
    // fauxqs, like SQS, drops a FIFO message whose MessageDeduplicationId it saw in the last 5 minutes; the adapter sends a fresh one per
    // message unless the job has a dedupeKey, so a relay's re-send is a second message on FIFO queues too.
    copiesOfAResend: 2,
    // Given a PostgreSQL coordination store on the outbox's database below.
    coordinationJoinsTransactions: true,
    open() {
      const endpoint = requireService("sqs")?.HOPPER_TEST_SQS_ENDPOINT;
      if (!endpoint) return undefined;
      return { url: `sqs://${region}/${prefix()}?endpoint=${encodeURIComponent(endpoint)}&createQueues=true${fifo ? "&fifo=true" : ""}`, needsCoordination: true };
    },
  };
}

function pubsub(name: string, messageOrdering: boolean): OutboxTarget {
  return {
    name,
    copiesOfAResend: 2,
    coordinationJoinsTransactions: true,
    open() {
      const projectId = requireService("pubsub")?.HOPPER_TEST_PUBSUB_PROJECT;
      if (!projectId) return undefined;
      return { backend: createPubSubBackend({ projectId, topicPrefix: prefix(), messageOrdering }), needsCoordination: true };
    },
  };
}

const targets: OutboxTarget[] = [
  {
    name: "redis",
    // A job id is not a dedupe key: Redis stores the second copy (a dedupeKey would drop it).
    copiesOfAResend: 2,
    // Its own coordination store, in Redis.
    coordinationJoinsTransactions: false,
    open() {
      const url = requireService("redis")?.HOPPER_TEST_REDIS_URL;
      return url ? { url, needsCoordination: false } : undefined;
    },
  },
  {
    name: "postgres",
    copiesOfAResend: 2,
    coordinationJoinsTransactions: true,
    // The queue beside the outbox, in its schema.
    open: (postgresUrl, schema) => ({ url: withSchema(postgresUrl, schema), needsCoordination: false }),
  },
  sqs("sqs", false),
  sqs("sqs-fifo", true),
  pubsub("pubsub", false),
  pubsub("pubsub-ordered", true),
];

const withSchema = (url: string, schema: string) => `${url}${url.includes("?") ? "&" : "?"}schema=${schema}`;
const postgresUrl = requireService("postgres")?.HOPPER_TEST_POSTGRES_URL;
const pool = postgresUrl ? new pg.Pool({ connectionString: postgresUrl, max: 8 }) : undefined;
afterAll(() => pool?.end());

async function inTransaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool!.connect();
  try {
    await client.query("BEGIN");
    const result = await work(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK");
    throw error;
  } finally {
    client.release();
  }
}

/** Receives until `count` distinct ids arrived (or a quiet minute), acking each; ids in arrival order, copies included. */
async function receiveAll(backend: Backend, queue: string, count: number): Promise<string[]> {
  const arrived: string[] = [];
  const deadline = Date.now() + 60_000;
  while (new Set(arrived).size < count && Date.now() < deadline) {
    for (const message of await backend.receive({ queue, maxMessages: 10, waitMs: 2000, leaseMs: 30_000 })) {
      arrived.push(message.id);
      await message.ack();
    }
  }
  return arrived;
}

for (const target of targets) {
  describe(`the PostgreSQL outbox relaying to ${target.name}`, () => {
    const schema = `outbox_${randomBytes(4).toString("hex")}`;
    let hopper: Hopper;
    let backend: Backend;
    let relay: ReturnType<Hopper["relay"]>;
    const closing: { close(): Promise<void> }[] = [];

    beforeAll(async () => {
      const opened = postgresUrl ? target.open(postgresUrl, schema) : undefined;
      if (!postgresUrl || !opened) return;
      const outbox = withSchema(postgresUrl, schema);
      // SQS and Pub/Sub keep no coordination of their own: the outbox's database does.
      const coordination = opened.needsCoordination ? await createPostgresCoordinationStore({ connectionString: postgresUrl, schema, maxConnections: 2 }) : undefined;
      if (coordination) closing.push(coordination);
      hopper = createHopper({ ...(opened.url !== undefined ? { url: opened.url } : { backend: opened.backend! }), outbox, ...(coordination && { coordination }), jobs: [OutboxTargetJob, UniqueOutboxTargetJob], logger: silent });
      closing.unshift(hopper);
      backend = await hopper.backend;
      relay = hopper.relay({ handleSignals: false });
      void relay.run();
    }, 120_000);

    afterAll(async () => {
      await relay?.stop();
      for (const item of closing) await item.close();
      await pool?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    }, 60_000);

    const queueName = () => `q${randomBytes(4).toString("hex")}`;
    const outboxRows = async () => ((await pool!.query(`SELECT count(*)::int AS n FROM "${schema}".outbox`)).rows[0] as { n: number }).n;

    it("delivers every job of committed transactions, and none of rolled-back ones", async (context) => {
      if (!hopper) return context.skip();
      const queue = queueName();
      const committed: string[] = [];
      const rolledBack: string[] = [];
      for (let round = 0; round < 6; round++) {
        const rollback = round % 3 === 2;
        const ids = await inTransaction(async (client) => {
          const staged = await OutboxTargetJob.set({ queue, transaction: client }).performAllLater(Array.from({ length: 5 }, (_, n) => ({ n: round * 5 + n })));
          if (rollback) throw Object.assign(new Error("rolled back on purpose"), { staged });
          return staged;
        }).catch((error: { staged?: string[] }) => error.staged!);
        (rollback ? rolledBack : committed).push(...ids);
      }
      const arrived = await receiveAll(backend, queue, committed.length);
      // Whatever the relay had left to send is gone from the outbox: a rolled-back job cannot arrive later.
      for (let tries = 0; tries < 100 && (await outboxRows()) > 0; tries++) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await outboxRows()).toBe(0);
      arrived.push(...(await backend.receive({ queue, maxMessages: 10, waitMs: 1000, leaseMs: 30_000 })).map((message) => message.id));
      expect([...new Set(arrived)].sort()).toEqual([...committed].sort());
      expect(arrived.filter((id) => rolledBack.includes(id))).toEqual([]);
    });

    it("refuses what the target cannot do at performLater, inside the transaction, before anything is staged", async (context) => {
      if (!hopper) return context.skip();
      const queue = queueName();
      const { priority, ordering } = backend.capabilities;
      const refusals: string[] = [];
      await inTransaction(async (client) => {
        for (const [capability, options] of [
          ["priority", { priority: 5 }],
          ["ordering", { orderingKey: "account-1" }],
        ] as const) {
          const refused = await OutboxTargetJob.set({ queue, transaction: client, ...options }).performLater({ n: 1 }).then(
            () => undefined,
            (error: unknown) => error,
          );
          if (refused !== undefined) {
            expect(UnsupportedCapabilityError.isInstance(refused) && refused.capability).toBe(capability);
            refusals.push(capability);
          }
        }
        // The transaction is still usable: the refusal came before any statement on it.
        await client.query("SELECT 1");
      });
      expect(refusals).toEqual([...(priority ? [] : ["priority"]), ...(ordering ? [] : ["ordering"])]);
      const arrived = await receiveAll(backend, queue, 2 - refusals.length);
      expect(new Set(arrived).size).toBe(2 - refusals.length);
    });

    it("keeps a staged delay through the relay: the job still waits out what is left of it", async (context) => {
      if (!hopper) return context.skip();
      const queue = queueName();
      const stagedAt = Date.now();
      const [id] = await inTransaction((client) => OutboxTargetJob.set({ queue, transaction: client, wait: "1h" }).performAllLater([{ n: 1 }]));
      for (let tries = 0; tries < 200 && (await outboxRows()) > 0; tries++) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await outboxRows()).toBe(0);
      const early = await backend.receive({ queue, maxMessages: 10, waitMs: 1500, leaseMs: 30_000 });
      if (backend.capabilities.delayedDelivery) {
        // Native delay (SQS's is capped at 15 minutes; the worker hops the rest): not deliverable yet.
        expect(early).toEqual([]);
      } else {
        // No native delay (Pub/Sub): the copy arrives and the worker holds it back until runAt, which the relay kept.
        expect(early.map((message) => message.id)).toEqual([id]);
        expect(Date.parse(decodeEnvelope(early[0]!.body).runAt!)).toBeGreaterThanOrEqual(stagedAt + 3_600_000);
        await early[0]!.ack();
      }
    });

    it("keeps priorities through the relay: the higher one is received first", async (context) => {
      if (!hopper || !backend.capabilities.priority) return context.skip();
      const queue = queueName();
      const [low, high] = await inTransaction(async (client) => [
        await OutboxTargetJob.set({ queue, transaction: client }).performLater({ n: 1 }),
        await OutboxTargetJob.set({ queue, transaction: client, priority: 9 }).performLater({ n: 2 }),
      ]);
      for (let tries = 0; tries < 100 && (await outboxRows()) > 0; tries++) await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await receiveAll(backend, queue, 2)).toEqual([high, low]);
    });

    it("delivers jobs sharing an ordering key in the order their transactions committed", async (context) => {
      if (!hopper || !backend.capabilities.ordering) return context.skip();
      const queue = queueName();
      const keys = ["account-1", "account-2"];
      // Concurrent transactions, each pausing unevenly before its commit: without the outbox's per-key lock they would commit in another
      // order than they staged (and took their sequence numbers). Each id is recorded once its COMMIT returned.
      const committedOrder = new Map<string, string[]>(keys.map((key) => [key, []]));
      await Promise.all(
        Array.from({ length: 12 }, async (_, index) => {
          const key = keys[index % keys.length]!;
          const id = await inTransaction(async (client) => {
            const staged = await OutboxTargetJob.set({ queue, transaction: client, orderingKey: key }).performLater({ n: index });
            await new Promise((resolve) => setTimeout(resolve, 20 + ((11 - index) * 37) % 150));
            return staged;
          });
          committedOrder.get(key)!.push(id);
        }),
      );
      const arrived = await receiveAll(backend, queue, 12);
      for (const key of keys) expect(arrived.filter((id) => committedOrder.get(key)!.includes(id))).toEqual(committedOrder.get(key));
    });

    it("stages a unique job with its key reserved in the transaction when the coordination store is on the outbox's database, and refuses it naming the setting otherwise", async (context) => {
      if (!hopper) return context.skip();
      const queue = queueName();
      const stage = () => inTransaction((client) => UniqueOutboxTargetJob.set({ queue, transaction: client }).performLater({ n: 1 }));
      if (!target.coordinationJoinsTransactions) {
        const refused = await stage().catch((error: unknown) => error);
        expect(ConfigurationError.isInstance(refused) && refused.field).toBe("coordination");
        expect((refused as Error).message).toMatch(/createPostgresCoordinationStore/);
        return;
      }
      const first = await stage();
      expect(await stage()).toBe(first);
      expect(await UniqueOutboxTargetJob.set({ queue }).performLater({ n: 1 })).toBe(first);
      expect(await receiveAll(backend, queue, 1)).toEqual([first]);
      expect(await backend.receive({ queue, maxMessages: 10, waitMs: 1000, leaseMs: 30_000 })).toEqual([]);
    });

    it(`leaves ${target.copiesOfAResend === 1 ? "one copy" : "two copies"} of a job the relay sends twice (killed between send and delete)`, async (context) => {
      if (!hopper) return context.skip();
      const queue = queueName();
      const [id] = await inTransaction((client) => OutboxTargetJob.set({ queue, transaction: client }).performAllLater([{ n: 1 }]));
      for (let tries = 0; tries < 100 && (await outboxRows()) > 0; tries++) await new Promise((resolve) => setTimeout(resolve, 100));
      const [first] = await backend.receive({ queue, maxMessages: 1, waitMs: 10_000, leaseMs: 30_000 });
      expect(first?.id).toBe(id);
      // The relay's re-send: the same message again through the same path (sendInBatches), as a relay restarted after a SIGKILL sends it.
      const resend: OutgoingMessage = { id: first!.id, queue, body: first!.body };
      expect(await sendInBatches(backend, [resend])).toEqual([expect.objectContaining({ id })]);
      await first!.ack();
      const copies = [id!, ...(await backend.receive({ queue, maxMessages: 10, waitMs: 3000, leaseMs: 30_000 })).map((message) => message.id)];
      expect(copies).toEqual(Array.from({ length: target.copiesOfAResend }, () => id));
    });
  });
}

describe("the PostgreSQL outbox relaying to Redis, with job records", () => {
  it("gives each relayed job its record (it rides with the send, staged with the job)", async (context) => {
    const redisUrl = requireService("redis")?.HOPPER_TEST_REDIS_URL;
    if (!postgresUrl || !redisUrl) return context.skip();
    const schema = `outbox_${randomBytes(4).toString("hex")}`;
    const hopper = createHopper({ url: redisUrl, outbox: withSchema(postgresUrl, schema), jobs: [OutboxTargetJob], logger: silent, records: {} });
    const relay = hopper.relay({ handleSignals: false });
    try {
      const queue = `q${randomBytes(4).toString("hex")}`;
      const ids = await inTransaction((client) => OutboxTargetJob.set({ queue, transaction: client }).performAllLater([{ n: 1 }, { n: 2 }]));
      void relay.run();
      const records = [];
      for (const id of ids) {
        let record = await hopper.jobs.get(id);
        for (let tries = 0; tries < 100 && record === null; tries++) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          record = await hopper.jobs.get(id);
        }
        records.push(record);
      }
      expect(records).toMatchObject(ids.map((id) => ({ id, queue, state: "waiting" })));
    } finally {
      await relay.stop();
      await hopper.close();
      await pool?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    }
  }, 60_000);
});
