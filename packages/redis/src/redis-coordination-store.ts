import { evictionGuard } from "./redis-eviction-policy.js";
import { BackendClosedError, COORDINATION_SPECIFICATION_VERSION, ConfigurationError, refuseTransaction, type CoordinationStore } from "@hopper/core";
import type { Cluster, Redis, RedisOptions } from "ioredis";
import { connect, quitOrDisconnect } from "./redis-connection.js";
import { defineCommands, scriptWithHelpers } from "./script-files.js";
import { optionKeysOf, rejectUnknownOptions, slotIntervalMicroseconds } from "@hopper/core/backend";

export interface RedisCoordinationStoreOptions {
  /** `redis://…` or `rediss://…`; the store creates the client and closes it. */
  readonly url?: string;
  /** An ioredis client or Cluster to use as is; never closed by the store. */
  readonly client?: Redis | Cluster;
  /** ioredis options for the client the store creates. */
  readonly redisOptions?: RedisOptions;
  /** Keys look like `<keyPrefix>:coordination:<key>`. Default "hopper". */
  readonly keyPrefix?: string;
  /** Accept a server whose maxmemory-policy can evict keys (checked before the first call, as the backend does). Default false. */
  readonly allowEviction?: boolean;
}

interface CoordinationCommands {
  hopperCoordinationAcquire(key: string, holder: string, limit: number, ttlMs: number): Promise<(number | string)[]>;
  hopperCoordinationExtend(key: string, holder: string, ttlMs: number): Promise<number>;
  hopperCoordinationAdvance(key: string, value: string): Promise<string>;
  hopperCoordinationRateSlot(key: string, intervalUs: number, burst: number, maxWaitUs: number): Promise<[number, number, number]>;
  hopperCoordinationPutEntry(key: string, member: string, value: string, ttlMs: number, hasUnless: "0" | "1", unless: string): Promise<number>;
  hopperCoordinationHoldEntries(key: string, ttlMs: number): Promise<number>;
  hopperCoordinationListEntries(key: string): Promise<string[]>;
  hopperCoordinationCountEntries(key: string): Promise<number>;
  hopperCoordinationAcquireFenced(key: string, holder: string, ttlMs: number, keepMs: number): Promise<[number, number, number]>;
  hopperCoordinationExtendFenced(key: string, holder: string, ttlMs: number): Promise<number>;
  hopperCoordinationReleaseFenced(key: string, holder: string): Promise<number>;
  hopperCoordinationFence(key: string, token: number, commit: string, keepMs: number): Promise<number>;
}

// The same loading as the backend's scripts: files beside the code (copied to dist by the build), sent by SHA, after the common.lua helpers each uses.
const scriptFiles = {
  hopperCoordinationAcquire: "coordination-acquire.lua",
  hopperCoordinationExtend: "coordination-extend.lua",
  hopperCoordinationAdvance: "coordination-advance.lua",
  hopperCoordinationRateSlot: "coordination-rate-slot.lua",
  hopperCoordinationPutEntry: "coordination-put-entry.lua",
  hopperCoordinationHoldEntries: "coordination-hold-entries.lua",
  hopperCoordinationListEntries: "coordination-list-entries.lua",
  hopperCoordinationCountEntries: "coordination-count-entries.lua",
  hopperCoordinationAcquireFenced: "coordination-acquire-fenced.lua",
  hopperCoordinationExtendFenced: "coordination-extend-fenced.lua",
  hopperCoordinationReleaseFenced: "coordination-release-fenced.lua",
  hopperCoordinationFence: "coordination-fence.lua",
} satisfies Record<keyof CoordinationCommands, string>;

/** The field of an entries hash that holds its sweep bound (`sweep_entries` in common.lua): never a member. */
const ENTRIES_SWEEP_FIELD = "\u0000sweep-at";

function refuseSweepField(member: string): void {
  if (member === ENTRIES_SWEEP_FIELD) throw new ConfigurationError({ field: "member", message: "\\0sweep-at is the Redis store's own field of an entries hash: use another member name" });
}

const optionKeys = optionKeysOf<RedisCoordinationStoreOptions>({ url: true, client: true, redisOptions: true, keyPrefix: true, allowEviction: true });

/**
 * A coordination store on Redis (or Redis Cluster: every operation touches one
 * key). Each multi-step operation is one Lua script timed by the server clock.
 * Holders of a key are a sorted set scored by expiry; a mark is a string; a
 * rate limit's bucket is a string (its theoretical arrival time); entries are
 * a hash of member → "<expiry>:<value>" and a bound no entry expires before,
 * so no call reads the whole hash unless an entry expired, and its length is
 * the live count; a fenced claim is a hash of its last holder, token, expiry
 * and commit, which the one script that checks a token also commits.
 */
export function createRedisCoordinationStore(options: RedisCoordinationStoreOptions): CoordinationStore {
  if (typeof options !== "object" || options === null) {
    throw new ConfigurationError({ field: "options", message: "createRedisCoordinationStore takes { url }, { client } or { redisOptions }" });
  }
  rejectUnknownOptions(options, optionKeys, "createRedisCoordinationStore()");
  const keyPrefix = options.keyPrefix ?? "hopper";
  if (typeof keyPrefix !== "string" || keyPrefix === "") throw new ConfigurationError({ field: "keyPrefix", message: `must be a non-empty string, got ${JSON.stringify(keyPrefix)}` });
  const { client, owned } = connect(options);
  const evictionChecked = evictionGuard(client, options.allowEviction);
  defineCommands(client, Object.entries(scriptFiles).map(([name, file]) => [name, 1, scriptWithHelpers(file, ["common.lua"])] as const));
  const commands = client as (Redis | Cluster) & CoordinationCommands;
  const redisKey = (key: string) => `${keyPrefix}:coordination:${key}`;
  let closed: Promise<void> | undefined;
  /** Before each call: the store is open, and its server cannot evict its keys (checked once). */
  const open = async () => {
    if (closed) throw new BackendClosedError({ backend: "redis coordination" });
    await evictionChecked();
  };

  return {
    specificationVersion: COORDINATION_SPECIFICATION_VERSION,
    name: "redis",
    async acquire(key, holder, { limit, ttlMs, transaction }) {
      await open();
      refuseTransaction("redis", { transaction });
      const [acquired, ...holders] = await commands.hopperCoordinationAcquire(redisKey(key), holder, limit, Math.ceil(ttlMs));
      return { acquired: acquired === 1, holders: holders.map(String) };
    },
    async extend(key, holder, ttlMs) {
      await open();
      return (await commands.hopperCoordinationExtend(redisKey(key), holder, Math.ceil(ttlMs))) === 1;
    },
    async release(key, holder, options) {
      await open();
      refuseTransaction("redis", options);
      await client.zrem(redisKey(key), holder);
    },
    async advance(key, value) {
      await open();
      const stored = value === undefined ? await client.get(redisKey(key)) : await commands.hopperCoordinationAdvance(redisKey(key), String(Math.trunc(value)));
      return stored === null ? undefined : Number(stored);
    },
    async takeRateSlot(key, { intervalMs, burst, maxWaitMs }) {
      await open();
      const [admitted, waitUs, nowUs] = await commands.hopperCoordinationRateSlot(redisKey(key), slotIntervalMicroseconds(intervalMs), burst, Math.round(maxWaitMs * 1000));
      if (admitted !== 1) return { admitted: false, waitMs: Number(waitUs) / 1000 };
      return { admitted: true, waitMs: Number(waitUs) / 1000, startsAtMs: (Number(nowUs) + Number(waitUs)) / 1000 };
    },
    async putEntry(key, member, value, ttlMs, options) {
      await open();
      refuseSweepField(member);
      const unless = options?.unless;
      await commands.hopperCoordinationPutEntry(redisKey(key), member, value, Math.ceil(ttlMs), unless === undefined ? "0" : "1", unless ?? "");
    },
    async holdEntries(key, ttlMs) {
      await open();
      await commands.hopperCoordinationHoldEntries(redisKey(key), Math.ceil(ttlMs));
    },
    async listEntries(key) {
      await open();
      const flat = await commands.hopperCoordinationListEntries(redisKey(key));
      const entries = [];
      for (let index = 0; index + 1 < flat.length; index += 2) entries.push({ member: String(flat[index]), value: String(flat[index + 1]) });
      return entries;
    },
    async removeEntry(key, member) {
      await open();
      refuseSweepField(member);
      await client.hdel(redisKey(key), member);
    },
    async countEntries(key) {
      await open();
      return Number(await commands.hopperCoordinationCountEntries(redisKey(key)));
    },
    async acquireFenced(key, holder, { ttlMs, keepMs }) {
      await open();
      const [acquired, token, committed] = await commands.hopperCoordinationAcquireFenced(redisKey(key), holder, Math.ceil(ttlMs), Math.ceil(keepMs));
      return acquired === 1 ? { acquired: true, token: Number(token), committed: false } : { acquired: false, committed: committed === 1 };
    },
    async extendFenced(key, holder, ttlMs) {
      await open();
      return (await commands.hopperCoordinationExtendFenced(redisKey(key), holder, Math.ceil(ttlMs))) === 1;
    },
    async releaseFenced(key, holder) {
      await open();
      await commands.hopperCoordinationReleaseFenced(redisKey(key), holder);
    },
    async fence(key, token, { commit, keepMs }) {
      await open();
      return (await commands.hopperCoordinationFence(redisKey(key), token, commit ? "1" : "0", Math.ceil(keepMs))) === 1;
    },
    async now() {
      await open();
      const [seconds, microseconds] = await client.time();
      return Number(seconds) * 1000 + Math.floor(Number(microseconds) / 1000);
    },
    close() {
      closed ??= owned ? quitOrDisconnect(client) : Promise.resolve();
      return closed;
    },
  };
}
