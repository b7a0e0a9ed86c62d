import { BACKEND_SPECIFICATION_VERSION, BackendClosedError, type Backend, type BackendCapabilities, optionKeysOf, rejectUnknownOptions } from "@hopper/core/backend";
import { ConfigurationError } from "@hopper/core";
import type { Cluster, Redis, RedisOptions } from "ioredis";
import { AckBatcher } from "./redis-acks.js";
import { connect, failOnConnectionError, quitOrDisconnect } from "./redis-connection.js";
import { enqueueMessages } from "./redis-enqueue.js";
import { evictionGuard } from "./redis-eviction-policy.js";
import { createKeyCache, recordKeys } from "./redis-keys.js";
import { slotMoveBoundMs } from "./redis-cluster-errors.js";
import { receiveMessages, takeScheduledMessages, type MissingMessagesEvent } from "./redis-receive.js";
import { defineScripts } from "./redis-scripts.js";
import { Wakeups } from "./redis-wakeups.js";
import { createRedisRecordStore } from "./redis-record-store.js";
import { ServerClock } from "./server-clock.js";

const unlimitedMs = Number.MAX_SAFE_INTEGER;

/**
 * Longest close waits for acks on the wire. A worker's stop has already waited for them within its shutdown timeout;
 * a client that waits out an outage for good (`maxRetriesPerRequest: null`) would otherwise hold close, and the
 * process, until the server came back. Nothing is lost: a job whose ack is given up on runs again when its lease ends
 * (unless the ack still lands, on a client the application keeps open).
 */
export const CLOSE_ACKS_BOUND_MS = 5000;

export const REDIS_CAPABILITIES: BackendCapabilities = {
  maxBatchSize: 1000,
  // Keeps one enqueue script call well under Redis's default 1 GB query buffer.
  maxBatchBytes: 64 * 1024 * 1024,
  // Script calls pipeline on the one connection: a call made while a batch is on the wire goes beside it.
  enqueueSendsInFlight: 2,
  // Redis takes 512 MB values, but large bodies stall a single-threaded server; store a reference instead.
  maxPayloadBytes: 16 * 1024 * 1024,
  maxReceiveBatch: 1000,
  // No defaultPrefetch: the core's 200. A buffer of 1,000 made receive scripts of ~500 messages that held the
  // single-threaded server 4-5 ms at the median and up to 17 (every other client waits), for 3x fewer round trips
  // and no resolved gain in rate (benchmarks/results/redis-prefetch-2026-12-06.md).
  delayedDelivery: { maxDelayMs: unlimitedMs },
  nackDelay: { maxDelayMs: unlimitedMs },
  priority: true,
  ordering: true,
  deduplication: true,
  leaseExtension: { maxLeaseMs: unlimitedMs },
  // Leases are timed by the server clock, so even a short one means the same to every worker.
  minLeaseMs: 1,
  deliveryAttempts: true,
  // nack.lua's uncounted hand-back: a count of its own, subtracted from the deliveries.
  uncountedNack: true,
  // nack.lua writes a body it is given into the message hash it hands back.
  nackBody: true,
  reportsLostLease: true,
  takeScheduled: true,
};

export interface RedisBackendOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://` for TLS. The backend creates the client and closes it. */
  readonly url?: string;
  /** An ioredis client or Cluster to use as is; the backend never closes it. Excludes `url` and `redisOptions`. */
  readonly client?: Redis | Cluster;
  /** ioredis options for the client the backend creates (alone, or on top of `url`). */
  readonly redisOptions?: RedisOptions;
  /** First part of every key's hash tag: keys look like `{<keyPrefix>:<queue>}:ready`. Default "hopper". */
  readonly keyPrefix?: string;
  /** Longest a waiting receive goes without looking again, in case a wake-up was lost while reconnecting. Default 1000. */
  readonly pollIntervalMs?: number;
  /**
   * Skip the check that every node has `maxmemory-policy noeviction`. Under any
   * other policy Redis may delete job keys when memory runs short: jobs are lost
   * and unique or cron keys may run jobs twice. Default false.
   */
  readonly allowEviction?: boolean;
  /**
   * Told when a receive meets handles whose message hash is missing (evicted,
   * deleted by hand, or not yet moved by a slot migration). They are kept in the
   * queue's `orphans` key, never dropped, and put back when the hash reappears.
   * Default: a process warning (code HOPPER_REDIS_MISSING_MESSAGE).
   */
  readonly onMissingMessages?: (event: MissingMessagesEvent) => void;
  /**
   * Lease a message without writing to it: its delivery count goes in the lease's member of the queue's `leased` set,
   * so a receive writes nothing per message and an ack reads nothing of it (a job without an ordering or dedupe key,
   * taken by a worker whose job records do not ride in the scripts (records off, or on a Cluster); others are leased
   * as before). Default true since the release after `c4b9b9a`; every release from `97931da` (2026-12-06) reads both
   * kinds. Set it false while a worker of a release before `97931da` still reads the queues, or before rolling back to
   * one: such a worker parks a compact lease it finds expired (its worker crashed) with the queue's orphans, where it
   * waits until a receive of `97931da` or newer looks there (packages/redis/README.md § Compact leases).
   */
  readonly compactLeases?: boolean;
  /**
   * On a Cluster, how long an enqueue (and a nack, a lease renewal, a take of scheduled jobs) waits out a slot held
   * half moved by a reshard before it fails: the producer hears of it rather than wait for the whole reshard. Acks are
   * not bound by it: they wait the move out however long it takes (one given up on would run its job again), with a
   * process warning (HOPPER_REDIS_ACKS_WAITING) once they have waited this long, until the backend's close stops
   * waiting for them. Default 30000.
   */
  readonly slotMoveWaitMs?: number;
}

export interface RedisBackend extends Backend {
  /** Connects and checks the server (eviction policy); the first operation does the same when this is not called. */
  open(): Promise<void>;
}

const optionKeys = optionKeysOf<RedisBackendOptions>({ url: true, client: true, redisOptions: true, keyPrefix: true, pollIntervalMs: true, allowEviction: true, onMissingMessages: true, compactLeases: true, slotMoveWaitMs: true });

/** A Redis (or Redis Cluster) backend: one hash tag per queue, every change one Lua script. */
export function createRedisBackend(options: RedisBackendOptions): RedisBackend {
  if (typeof options !== "object" || options === null) {
    throw new ConfigurationError({ field: "options", message: "createRedisBackend takes { url }, { client } or { redisOptions }" });
  }
  rejectUnknownOptions(options, optionKeys, "createRedisBackend()");
  const keyPrefix = options.keyPrefix ?? "hopper";
  if (typeof keyPrefix !== "string" || keyPrefix === "" || /[{}]/.test(keyPrefix)) {
    throw new ConfigurationError({ field: "keyPrefix", message: `must be a non-empty string without "{" or "}" (it becomes part of a hash tag), got ${JSON.stringify(keyPrefix)}` });
  }
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  if (!Number.isFinite(pollIntervalMs) || pollIntervalMs < 1) {
    throw new ConfigurationError({ field: "pollIntervalMs", message: `must be a number of milliseconds of at least 1, got ${JSON.stringify(pollIntervalMs)}` });
  }
  const compactLeases = options.compactLeases ?? true;
  if (typeof compactLeases !== "boolean") {
    throw new ConfigurationError({ field: "compactLeases", message: `must be true or false, got ${JSON.stringify(compactLeases)}` });
  }
  const slotMoveWaitMs = options.slotMoveWaitMs ?? slotMoveBoundMs;
  if (typeof slotMoveWaitMs !== "number" || !Number.isFinite(slotMoveWaitMs) || slotMoveWaitMs < 0) {
    throw new ConfigurationError({ field: "slotMoveWaitMs", message: `must be a finite number of milliseconds of at least 0 (how long an enqueue waits out a Cluster slot migration), got ${JSON.stringify(slotMoveWaitMs)}` });
  }
  const slotMoves = { boundMs: slotMoveWaitMs };
  const { client, owned } = connect(options);
  // A client that never connected has no replies to wait for: closing it does not wait out a reconnect.
  let everReady = client.status === "ready";
  client.once("ready", () => (everReady = true));
  const reportOrphans = options.onMissingMessages ?? warnAboutOrphans;
  // Checked before the first operation; a connection failure is forgotten so the next operation checks again.
  const ensureSafe = evictionGuard(client, options.allowEviction);
  const scripted = defineScripts(client);
  const keysOf = createKeyCache(keyPrefix);
  // On one node the queue scripts also write the records: their keys lie outside the queue's hash tag,
  // which a Cluster would refuse in one script, so there records are written by calls of their own.
  const records = client.isCluster ? undefined : recordKeys(keyPrefix);
  const capabilities: BackendCapabilities = records ? { ...REDIS_CAPABILITIES, writesOwnRecords: true } : REDIS_CAPABILITIES;
  const wakeups = new Wakeups(client);
  // Ended once close stopped waiting for acks still waiting out a slot migration.
  const acksGivenUp = new AbortController();
  const acks = new AckBatcher(scripted, records, acksGivenUp.signal, slotMoveWaitMs);
  const closing = new AbortController();
  let closed: Promise<void> | undefined;
  const ensureOpen = () => {
    if (closing.signal.aborted) throw new BackendClosedError({ backend: "redis" });
  };
  // One reckoning of the server's clock per queue: in a Cluster each queue's keys live on one node, with its own clock.
  const serverClocks = new Map<string, ServerClock>();
  const serverClockOf = (queue: string) => {
    let clock = serverClocks.get(queue);
    if (!clock) serverClocks.set(queue, (clock = new ServerClock()));
    return clock;
  };
  const receiveContext = (queue: string) => ({ client: scripted, keys: keysOf(queue), serverClock: serverClockOf(queue), wakeups, acks, records, compactLeases, slotMoves, pollIntervalMs, closing: closing.signal, ensureOpen, reportOrphans });

  return {
    specificationVersion: BACKEND_SPECIFICATION_VERSION,
    name: "redis",
    capabilities,

    async enqueue(messages) {
      ensureOpen();
      await ensureSafe();
      return enqueueMessages(scripted, keysOf, messages, records, slotMoves);
    },

    async receive(receiveOptions) {
      ensureOpen();
      checkReceiveLimits(receiveOptions);
      try {
        await ensureSafe();
      } catch (error) {
        // Closed while checking: a pending receive resolves with nothing, as the contract says.
        if (closing.signal.aborted) return [];
        throw error;
      }
      return receiveMessages(receiveContext(receiveOptions.queue), receiveOptions);
    },

    async takeScheduled(takeOptions) {
      ensureOpen();
      checkReceiveLimits(takeOptions);
      await ensureSafe();
      return takeScheduledMessages(receiveContext(takeOptions.queue), takeOptions);
    },

    async stats(queue) {
      ensureOpen();
      await ensureSafe();
      const keys = keysOf(queue);
      const [ready, delayed, inFlight] = await scripted.hopperStats(keys.ready, keys.delayed, keys.leased, keys.meta);
      return { ready: ready!, delayed: delayed!, inFlight: inFlight! };
    },

    open: () => failOnConnectionError(client, ensureSafe()),

    // The server (its run id, new at each start), the database and the key prefix: the same through any URL. A
    // Cluster's nodes each have their own run id, so it says nothing (moveJobs then relies on its loop guard).
    ...(!client.isCluster && {
      async identity() {
        ensureOpen();
        const runId = /^run_id:(\S+)/m.exec(await client.info("server"))?.[1] ?? "";
        return `redis\n${runId}\n${(client as Redis).options.db ?? 0}\n${keyPrefix}`;
      },
    }),

    // On the backend's own client; closing the store leaves it open.
    recordStore: () => createRedisRecordStore({ client, keyPrefix, ...(options.allowEviction === true && { allowEviction: true }) }),

    close() {
      closed ??= (async () => {
        closing.abort();
        const notLanded = await acks.drain(CLOSE_ACKS_BOUND_MS);
        acksGivenUp.abort();
        if (notLanded > 0) warnAboutUnlandedAcks(notLanded);
        await wakeups.close();
        if (owned && everReady) await quitOrDisconnect(client);
        else if (owned) client.disconnect();
      })();
      return closed;
    },
  };
}

function checkReceiveLimits({ maxMessages, leaseMs }: { maxMessages: number; leaseMs: number }): void {
  if (!Number.isSafeInteger(maxMessages) || maxMessages < 1 || maxMessages > REDIS_CAPABILITIES.maxReceiveBatch) {
    throw new ConfigurationError({ field: "maxMessages", message: `must be an integer from 1 to ${REDIS_CAPABILITIES.maxReceiveBatch}, got ${JSON.stringify(maxMessages)}` });
  }
  if (!Number.isFinite(leaseMs) || leaseMs < REDIS_CAPABILITIES.minLeaseMs) {
    throw new ConfigurationError({ field: "leaseMs", message: `must be at least ${REDIS_CAPABILITIES.minLeaseMs} ms, got ${JSON.stringify(leaseMs)}` });
  }
}

function warnAboutUnlandedAcks(count: number): void {
  process.emitWarning(
    `close gave up after ${CLOSE_ACKS_BOUND_MS} ms on ${count} ack(s) not landed (the server unreachable, or a slot migration holding them); each job runs again once its lease ends, unless its ack still lands on a client left open`,
    { code: "HOPPER_REDIS_ACKS_NOT_LANDED" },
  );
}

function warnAboutOrphans(event: MissingMessagesEvent): void {
  process.emitWarning(
    `queue ${event.queue}: ${event.handles.length} message(s) had no message hash (evicted, deleted, or mid slot migration); their handles wait in ${event.orphansKey} and return to the queue if the hash reappears`,
    { code: "HOPPER_REDIS_MISSING_MESSAGE" },
  );
}
