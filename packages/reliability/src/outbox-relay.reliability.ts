import { randomUUID } from "node:crypto";
import { createHopper, Job } from "@hopper/core";
import { requireService } from "@hopper/services";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { reliabilitySettings } from "./reliability-settings.js";
import { WorkerProcess } from "./worker-process.js";

class OutboxJob extends Job<{ n: number }> {
  async perform() {}
}

const silent = { debug() {}, info() {}, warn() {}, error() {} };
// CI's size by default; the 10,000 jobs and 10 SIGKILLs under HOPPER_PROFILE=full (RELIABILITY_JOBS and RELIABILITY_KILLS override either).
const full = reliabilitySettings.profile === "full";
const perTransaction = 20;
const jobs = Math.max(perTransaction, Math.round((reliabilitySettings.jobs ?? (full ? 10_000 : 1000)) / perTransaction) * perTransaction);
const kills = Math.max(1, process.env.RELIABILITY_KILLS ? reliabilitySettings.kills : full ? 10 : 5);

describe("the transactional outbox's relay, SIGKILLed while it forwards", () => {
  it(`forwards every committed job of ${jobs} to Redis while the relay process is SIGKILLed ${kills} times, and none rolled back`, { timeout: full ? 1_200_000 : 300_000 }, async (context) => {
    const redisUrl = requireService("redis")?.HOPPER_TEST_REDIS_URL;
    const postgresUrl = requireService("postgres")?.HOPPER_TEST_POSTGRES_URL;
    if (!redisUrl || !postgresUrl) return context.skip();
    const schema = `outbox_${randomUUID().slice(0, 8)}`;
    const outboxUrl = `${postgresUrl}${postgresUrl.includes("?") ? "&" : "?"}schema=${schema}`;
    const queue = `outbox-${randomUUID().slice(0, 8)}`;
    const producer = createHopper({ url: redisUrl, outbox: outboxUrl, jobs: [OutboxJob], logger: silent });
    const pool = new pg.Pool({ connectionString: postgresUrl, max: 2 });
    const relays: WorkerProcess[] = [];
    const startRelay = async () => {
      const relay = new WorkerProcess({ RELIABILITY_URL: redisUrl, OUTBOX_URL: outboxUrl }, { entry: "test-outbox-relay.ts" });
      relays.push(relay);
      await relay.ready;
      return relay;
    };
    try {
      const committed = new Set<string>();
      const rolledBack = new Set<string>();
      let relay = await startRelay();
      const transactions = jobs / perTransaction;
      const killEvery = Math.max(1, Math.floor(transactions / kills));
      const outboxRows = async () => ((await pool.query(`SELECT count(*)::int AS n FROM "${schema}".outbox`)).rows[0] as { n: number }).n;
      for (let index = 0; index < transactions; index++) {
        // The relay is paused (SIGSTOP, its lease kept) through each interval, so a backlog of several batches waits for it.
        if (index % killEvery === 0) relay.child.kill("SIGSTOP");
        const client = await pool.connect();
        try {
          await client.query("BEGIN");
          const ids = await OutboxJob.set({ queue, transaction: client }).performAllLater(Array.from({ length: perTransaction }, (_, n) => ({ n: index * perTransaction + n })));
          // Every tenth transaction rolls back: its jobs must never arrive.
          if (index % 10 === 9) {
            await client.query("ROLLBACK");
            for (const id of ids) rolledBack.add(id);
          } else {
            await client.query("COMMIT");
            for (const id of ids) committed.add(id);
          }
        } finally {
          client.release();
        }
        // Resumed, the relay works through the backlog; once its first batch is deleted it is amid the next ones' sends and deletes: kill it there, and start another.
        if (index % killEvery === killEvery - 1) {
          const backlog = await outboxRows();
          relay.child.kill("SIGCONT");
          while (backlog > 0 && (await outboxRows()) >= backlog) await new Promise((resolve) => setTimeout(resolve, 1));
          await relay.kill("SIGKILL");
          relay = await startRelay();
        }
      }
      // A count of transactions that is not a whole number of intervals leaves the last relay paused.
      relay.child.kill("SIGCONT");
      const backend = await producer.backend;
      const seen = new Map<string, number>();
      const deadline = Date.now() + (full ? 600_000 : 120_000);
      while ([...committed].some((id) => !seen.has(id)) && Date.now() < deadline) {
        const messages = await backend.receive({ queue, maxMessages: 500, waitMs: 2000, leaseMs: 60_000 });
        for (const message of messages) {
          seen.set(message.id, (seen.get(message.id) ?? 0) + 1);
          await message.ack();
        }
      }
      const lost = [...committed].filter((id) => !seen.has(id));
      const arrivedRolledBack = [...rolledBack].filter((id) => seen.has(id));
      const duplicates = [...seen.values()].reduce((sum, count) => sum + count - 1, 0);
      console.info(`[outbox relay] ${committed.size} committed, ${rolledBack.size} rolled back, ${kills} SIGKILLs: ${lost.length} lost, ${duplicates} duplicates (sent again after a kill between send and delete)`);
      expect(lost).toEqual([]);
      expect(arrivedRolledBack).toEqual([]);
      const [left] = (await pool.query(`SELECT count(*)::int AS n FROM "${schema}".outbox`)).rows as { n: number }[];
      expect(left).toEqual({ n: 0 });
    } finally {
      await Promise.all(relays.map((relay) => relay.kill("SIGTERM")));
      await producer.close();
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {});
      await pool.end();
    }
  });
});
