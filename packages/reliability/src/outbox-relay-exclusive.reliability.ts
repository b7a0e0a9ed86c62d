import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createHopper, Job } from "@hopper/core";
import { requireService } from "@hopper/services";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { firstForwardingAfter, ledgerNow, overlappingIntervals, readLedger, type ForwardingInterval } from "./relay-ledger.js";
import { reliabilitySettings } from "./reliability-settings.js";
import { WorkerProcess } from "./worker-process.js";

class OutboxJob extends Job<{ n: number }> {
  async perform() {}
}

const silent = { debug() {}, info() {}, warn() {}, error() {} };
const full = reliabilitySettings.profile === "full";
type Fault = "SIGKILL" | "SIGTERM" | "pg_terminate_backend";
// The active relay (the one forwarding) is hit by each fault in turn; CI's list is short, the full profile's long.
const faults: Fault[] = full
  ? ["SIGKILL", "pg_terminate_backend", "SIGKILL", "SIGKILL", "SIGTERM", "SIGKILL", "pg_terminate_backend", "SIGKILL", "SIGKILL", "pg_terminate_backend", "SIGKILL", "SIGTERM", "SIGKILL", "SIGKILL", "pg_terminate_backend", "SIGKILL"]
  : ["SIGKILL", "pg_terminate_backend", "SIGKILL", "SIGTERM", "SIGKILL"];
const relayCount = 3;
const perTransaction = 20;
// The producer's pause between transactions while the faults land.
const producerPauseMs = full ? 15 : 40;
// The documented takeover bound (postgres README): the lease is asked for every second, then one take; the assertion allows fifteen times it (the relays run at nice 19 beside busy processes).
const takeoverBoundMs = 2000;
const takeoverAllowedMs = 15 * takeoverBoundMs;
// The outbox's relay lease: advisory lock (0x686f706f, hashtext(schema)) in postgres-outbox.ts.
const holderOfLease = `SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 2 AND classid = 1752133743::oid AND objid = ((hashtext($1)::bigint + 4294967296) % 4294967296)::oid`;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("the transactional outbox's relays: one forwards at a time", () => {
  it(`never lets two of ${relayCount} relay processes forward at once while the active one is hit by ${faults.length} faults (${[...new Set(faults)].join(", ")})`, { timeout: full ? 900_000 : 240_000 }, async (context) => {
    const redisUrl = requireService("redis")?.HOPPER_TEST_REDIS_URL;
    const postgresUrl = requireService("postgres")?.HOPPER_TEST_POSTGRES_URL;
    if (!redisUrl || !postgresUrl) return context.skip();
    const schema = `outbox_${randomUUID().slice(0, 8)}`;
    const outboxUrl = `${postgresUrl}${postgresUrl.includes("?") ? "&" : "?"}schema=${schema}`;
    const queue = `outbox-${randomUUID().slice(0, 8)}`;
    const ledger = mkdtempSync(join(tmpdir(), "hopper-relay-ledger-"));
    const producer = createHopper({ url: redisUrl, outbox: outboxUrl, jobs: [OutboxJob], logger: silent });
    const pool = new pg.Pool({ connectionString: postgresUrl, max: 3 });
    const relays = new Map<number, WorkerProcess>();
    const exitedAt = new Map<number, number>();
    const startRelay = async () => {
      const relay = new WorkerProcess({ RELIABILITY_URL: redisUrl, OUTBOX_URL: outboxUrl, RELAY_LEDGER: ledger, RELAY_CHUNK_DELAY_MS: "20" }, { entry: "test-outbox-relay.ts" });
      relays.set(relay.child.pid!, relay);
      void relay.exited.then(() => exitedAt.set(relay.child.pid!, ledgerNow()));
      await relay.ready;
      return relay;
    };
    const committed = new Set<string>();
    const rolledBack = new Set<string>();
    let producing = true;
    const produce = async () => {
      for (let index = 0; producing; index++) {
        const client = await pool.connect();
        try {
          await client.query("BEGIN");
          const ids = await OutboxJob.set({ queue, transaction: client }).performAllLater(Array.from({ length: perTransaction }, (_, n) => ({ n })));
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
        await sleep(producerPauseMs);
      }
    };
    try {
      await Promise.all(Array.from({ length: relayCount }, startRelay));
      const producing1 = produce();
      const takeovers: { fault: Fault; ms: number }[] = [];
      // Relays whose lock connection was terminated (the process lives on), and when.
      const terminations: { pid: number; at: number }[] = [];
      let lastFaultAt = 0;
      for (const fault of faults) {
        // The relay forwarding right now (an interval open in the ledger), once it began after the last fault.
        let active: number | undefined;
        const waitUntil = Date.now() + 4 * takeoverAllowedMs;
        while (active === undefined && Date.now() < waitUntil) {
          const open = readLedger(ledger).filter((interval) => interval.end === undefined && interval.start > lastFaultAt && !exitedAt.has(interval.pid));
          active = open.at(-1)?.pid;
          if (active === undefined) await sleep(5);
        }
        if (active === undefined) throw new Error(`no relay was forwarding before fault ${takeovers.length + 1} (${fault}); ${committed.size} committed, ${readLedger(ledger).length} intervals; relays said: ${[...relays.values()].flatMap((relay) => relay.errorLines).slice(0, 10).join("\n")}`);
        const at = ledgerNow();
        if (fault === "pg_terminate_backend") {
          const { rows } = await pool.query<{ pid: number }>(holderOfLease, [schema]);
          expect(rows).toHaveLength(1);
          await pool.query("SELECT pg_terminate_backend($1)", [rows[0]!.pid]);
          terminations.push({ pid: active, at });
        } else {
          const relay = relays.get(active)!;
          await relay.kill(fault);
          void startRelay();
        }
        lastFaultAt = at;
        let next = firstForwardingAfter(readLedger(ledger), at, fault === "pg_terminate_backend" ? -1 : active);
        while (next === undefined && ledgerNow() - at < takeoverAllowedMs) {
          await sleep(10);
          next = firstForwardingAfter(readLedger(ledger), at, fault === "pg_terminate_backend" ? -1 : active);
        }
        expect(next, `a relay forwards within ${takeoverAllowedMs} ms of ${fault} on ${active} (exited after ${(exitedAt.get(active) ?? at) - at} ms); alive: ${[...relays.entries()].filter(([, relay]) => relay.alive).map(([pid]) => pid).join(", ")}; relays said: ${[...relays.values()].flatMap((relay) => relay.errorLines).slice(-10).join("\n")}`).toBeDefined();
        takeovers.push({ fault, ms: next!.start - at });
        console.info(`[outbox relay exclusive] ${fault} on the active relay ${active}; ${next!.pid} forwarded next`);
      }
      producing = false;
      await producing1;
      const backend = await producer.backend;
      const seen = new Map<string, number>();
      const deadline = Date.now() + (full ? 300_000 : 90_000);
      while ([...committed].some((id) => !seen.has(id)) && Date.now() < deadline) {
        const messages = await backend.receive({ queue, maxMessages: 500, waitMs: 2000, leaseMs: 60_000 });
        for (const message of messages) {
          seen.set(message.id, (seen.get(message.id) ?? 0) + 1);
          await message.ack();
        }
      }
      await Promise.all([...relays.values()].map((relay) => relay.kill("SIGTERM")));
      const intervals = readLedger(ledger);
      // A relay whose lock connection is terminated stops handing sends over, but cannot recall the sends it handed
      // over before (postgres README, "the outbox relay"): an interval of its that began before the termination may
      // still be answered after the next holder began. Counted and reported; any other overlap fails the run.
      const inFlightAtTermination = ([first, second]: [ForwardingInterval, ForwardingInterval]) =>
        terminations.some(({ pid, at }) => first.pid === pid && first.start < at && second.start >= at);
      const allOverlaps = overlappingIntervals(intervals, exitedAt);
      const overlaps = allOverlaps.filter((pair) => !inFlightAtTermination(pair));
      const handedOverBeforeTermination = allOverlaps.length - overlaps.length;
      const lost = [...committed].filter((id) => !seen.has(id));
      const arrivedRolledBack = [...rolledBack].filter((id) => seen.has(id));
      const duplicates = [...seen.values()].reduce((sum, count) => sum + count - 1, 0);
      const pids = new Set(intervals.map((interval) => interval.pid));
      const buckets = [1000, 2000, 5000, Infinity].map((limit, index, all) => `${takeovers.filter(({ ms }) => ms < limit && ms >= (all[index - 1] ?? 0)).length} ${limit === Infinity ? `≥ ${all[index - 1]! / 1000} s` : `< ${limit / 1000} s`}`);
      console.info(
        `[outbox relay exclusive] ${committed.size} committed, ${rolledBack.size} rolled back; ${relays.size} relay processes (${relayCount} at a time), ${pids.size} forwarded; ` +
          `${intervals.length} forwarding intervals, ${overlaps.length} overlapping (and ${handedOverBeforeTermination} whose sends were handed over before their relay's lock connection was terminated); faults ${faults.join(", ")}; takeovers ${buckets.join(", ")}; ` +
          `${lost.length} lost, ${duplicates} duplicates, ${arrivedRolledBack.length} rolled back arrived`,
      );
      for (const [a, b] of allOverlaps.slice(0, 5)) console.info(`[outbox relay exclusive] overlap: ${JSON.stringify(a)} and ${JSON.stringify(b)}`);
      expect(overlaps).toEqual([]);
      expect(lost).toEqual([]);
      expect(arrivedRolledBack).toEqual([]);
      expect([...relays.values()].filter((relay) => relay.crashedOnItsOwn)).toEqual([]);
      expect(takeovers.every(({ ms }) => ms < takeoverAllowedMs)).toBe(true);
    } finally {
      producing = false;
      await Promise.all([...relays.values()].map((relay) => relay.kill("SIGTERM")));
      await producer.close();
      await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {});
      await pool.end();
      rmSync(ledger, { recursive: true, force: true });
    }
  });
});
