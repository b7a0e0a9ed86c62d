import { BackendClosedError, ConfigurationError, decodeRecordCursor, encodeRecordCursor, RECORD_STORE_SPECIFICATION_VERSION, type RecordEvent, type RecordPage, type RecordStore, type StoredJobRecord } from "@hopper/core";
import type { Cluster, Redis, RedisOptions } from "ioredis";
import { whileSlotMoves } from "./redis-cluster-errors.js";
import { evictionGuard } from "./redis-eviction-policy.js";
import { connect, duplicateClient, quitOrDisconnect } from "./redis-connection.js";
import { recordKeys } from "./redis-keys.js";
import { defineCommands, scriptWithHelpers } from "./script-files.js";
import { optionKeysOf, rejectUnknownOptions } from "@hopper/core/backend";

export interface RedisRecordStoreOptions {
  /** `redis://…` or `rediss://…`; the store creates the client and closes it. */
  readonly url?: string;
  /** An ioredis client or Cluster to use as is; never closed by the store. */
  readonly client?: Redis | Cluster;
  /** ioredis options for the client the store creates. */
  readonly redisOptions?: RedisOptions;
  /** Keys look like `<keyPrefix>:record:<job id>`. Default "hopper". */
  readonly keyPrefix?: string;
  /** Accept a server whose maxmemory-policy can evict keys (checked before the first call, as the backend does). Default false. */
  readonly allowEviction?: boolean;
}

interface RecordCommands {
  hopperRecordInsert(key: string, job: string, queue: string, enqueuedAt: number, runAt: string, ttlMs: number, channel: string, id: string, batchId: string, parentId: string, args: string): Promise<number>;
  hopperRecordStart(key: string, job: string, queue: string, enqueuedAt: number, attempt: number, startedAt: number, ttlMs: number, channel: string, id: string): Promise<number>;
  hopperRecordProgress(key: string, progress: string, channel: string, id: string): Promise<number>;
  hopperRecordHung(key: string, error: string, channel: string, id: string, attempt: number, job: string, queue: string): Promise<number>;
  hopperRecordSettle(key: string, job: string, queue: string, enqueuedAt: number, state: string, attempt: number, result: string, error: string, finishedAt: string, runAt: string, ttlMs: number, channel: string, id: string): Promise<number>;
  hopperRecordCancel(key: string, now: number, ttlMs: number, channel: string, id: string): Promise<string[]>;
  hopperRecordList(index: string, prefix: string, state: string, queue: string, job: string, limit: number, cursorAt: string, cursorId: string, budget: number): Promise<[string, string, ...[string, string[]][]]>;
  hopperRecordRemove(key: string, id: string): Promise<number>;
  hopperRecordGet(key: string, id: string): Promise<string[]>;
}

// Loaded as the coordination scripts are: files beside the code (copied to dist by the build), sent by SHA.
const scriptFiles = {
  hopperRecordInsert: "record-insert.lua",
  hopperRecordStart: "record-start.lua",
  hopperRecordProgress: "record-progress.lua",
  hopperRecordHung: "record-hung.lua",
  hopperRecordSettle: "record-settle.lua",
  hopperRecordCancel: "record-cancel.lua",
  hopperRecordList: "record-list.lua",
  hopperRecordRemove: "record-remove.lua",
  hopperRecordGet: "record-get.lua",
} satisfies Record<keyof RecordCommands, string>;

// The record writes the queue scripts share (records.lua), those each record script uses in front of it; no state index on a Cluster (another slot).
const withRecordFunctions = (file: string, indexed: boolean) => scriptWithHelpers(file, ["records.lua"], `local record_one_node = ${indexed}`);
/** Index entries one `list` call reads at most: a filter matching little costs a bounded script, and the page ends short with a cursor. */
const listBudget = (limit: number) => Math.max(1000, limit * 2);

const optionKeys = optionKeysOf<RedisRecordStoreOptions>({ url: true, client: true, redisOptions: true, keyPrefix: true, allowEviction: true });

/**
 * Job records on Redis (or Redis Cluster: every call touches one key): one
 * hash per job, expiring by PEXPIRE on the server's clock; each conditional
 * change is one Lua script. Enqueuing N jobs costs N script calls, sent
 * together (pipelined by ioredis), not N round trips. On a Cluster each call
 * is made again while its slot moves (`whileSlotMoves`): the replies it waits
 * out say the call did not run.
 */
export function createRedisRecordStore(options: RedisRecordStoreOptions): RecordStore {
  if (typeof options !== "object" || options === null) {
    throw new ConfigurationError({ field: "options", message: "createRedisRecordStore takes { url }, { client } or { redisOptions }" });
  }
  rejectUnknownOptions(options, optionKeys, "createRedisRecordStore()");
  const keyPrefix = options.keyPrefix ?? "hopper";
  if (typeof keyPrefix !== "string" || keyPrefix === "") throw new ConfigurationError({ field: "keyPrefix", message: `must be a non-empty string, got ${JSON.stringify(keyPrefix)}` });
  const { client, owned } = connect(options);
  // A Cluster keeps each record in its own slot, so no index of all records can be written with them: no `list` there.
  const indexed = (client as { isCluster?: boolean }).isCluster !== true;
  defineCommands(client, Object.entries(scriptFiles).map(([name, file]) => [name, 1, withRecordFunctions(file, indexed)] as const));
  const commands = client as (Redis | Cluster) & RecordCommands;
  const keys = recordKeys(keyPrefix);
  const recordKey = (id: string) => `${keys.prefix}${id}`;
  // Every record script publishes its change here, in the same script: events cost no extra call.
  const channel = keys.channel;
  const subscribers = new Set<() => Promise<void>>();
  let closed: Promise<void> | undefined;
  const evictionChecked = evictionGuard(client, options.allowEviction);
  /** Before each call: the store is open, and its server cannot evict its records (checked once). */
  const open = async () => {
    if (closed) throw new BackendClosedError({ backend: "redis records" });
    await evictionChecked();
  };
  const optional = (value: number | string | null | undefined) => (value === null || value === undefined ? "" : String(value));

  const list = async ({ state, queue, job, limit, after }: Parameters<NonNullable<RecordStore["list"]>>[0]): Promise<RecordPage> => {
    await open();
    const cursor = after === undefined ? undefined : decodeRecordCursor(after);
    const [nextAt, nextId, ...entries] = await commands.hopperRecordList(keys.index(state), keys.prefix, state, queue ?? "", job ?? "", limit, cursor ? String(cursor.at) : "", cursor?.id ?? "", listBudget(limit));
    const records = entries.map(([id, flat]) => fromHash(id, fieldsOf(flat)));
    return { records, next: nextAt === "" ? null : encodeRecordCursor({ at: Number(nextAt), id: nextId }) };
  };

  return {
    specificationVersion: RECORD_STORE_SPECIFICATION_VERSION,
    name: "redis",
    ...(indexed && { list }),
    async remove(ids) {
      await open();
      await Promise.all(ids.map(async (id) => whileSlotMoves(async () => commands.hopperRecordRemove(recordKey(id), id))));
    },
    async insert(records) {
      await open();
      await Promise.all(records.map(async (record) => whileSlotMoves(async () => commands.hopperRecordInsert(recordKey(record.id), record.job, record.queue, record.enqueuedAt, optional(record.runAt), Math.ceil(record.ttlMs), channel, record.id, record.batchId ?? "", record.parentId ?? "", record.args ?? ""))));
    },
    async start(record) {
      await open();
      const running = await whileSlotMoves(async () => commands.hopperRecordStart(recordKey(record.id), record.job, record.queue, record.enqueuedAt, record.attempt, record.startedAt, Math.ceil(record.ttlMs), channel, record.id));
      return running === 1 ? "running" : "cancelled";
    },
    async progress(id, progress) {
      await open();
      return (await whileSlotMoves(async () => commands.hopperRecordProgress(recordKey(id), progress, channel, id))) === 1;
    },
    async hung({ id, job, queue, attempt, error }) {
      await open();
      return (await whileSlotMoves(async () => commands.hopperRecordHung(recordKey(id), error, channel, id, attempt, job, queue))) === 1;
    },
    async settle(record) {
      await open();
      await whileSlotMoves(async () =>
        commands.hopperRecordSettle(
          recordKey(record.id),
          record.job,
          record.queue,
          record.enqueuedAt,
          record.state,
          record.attempt,
          optional(record.result),
          optional(record.error),
          optional(record.finishedAt),
          optional(record.runAt),
          Math.ceil(record.ttlMs),
          channel,
          record.id,
        ),
      );
    },
    async get(id) {
      await open();
      // A script, not HGETALL: a running job's claim may be held by its message (records.lua).
      const fields = fieldsOf(await whileSlotMoves(async () => commands.hopperRecordGet(recordKey(id), id)));
      return fields.s === undefined ? undefined : fromHash(id, fields);
    },
    async cancel(id, { now, ttlMs }) {
      await open();
      const [status, state] = await whileSlotMoves(async () => commands.hopperRecordCancel(recordKey(id), now, Math.ceil(ttlMs), channel, id));
      if (status === "refused") return { status, state: state! };
      if (status === "cancelled" || status === "requested") return { status };
      return { status: "unknown" };
    },
    async subscribe(listener) {
      await open();
      // A connection of its own: a subscribed connection can run no other command.
      const subscriber = duplicateClient(client);
      subscriber.on("error", () => {});
      subscriber.on("message", (from: string, message: string) => {
        if (from !== channel) return;
        let event: RecordEvent;
        try {
          event = JSON.parse(message) as RecordEvent;
        } catch {
          return;
        }
        listener(event);
      });
      try {
        await subscriber.subscribe(channel);
      } catch (error) {
        subscriber.disconnect();
        throw error;
      }
      const stop = async () => {
        if (!subscribers.delete(stop)) return;
        await quitOrDisconnect(subscriber);
      };
      subscribers.add(stop);
      return stop;
    },
    close() {
      closed ??= (async () => {
        await Promise.all([...subscribers].map((stop) => stop()));
        if (owned) await quitOrDisconnect(client);
      })();
      return closed;
    },
  };
}

/** A hash as HGETALL answers it, flat, as an object. */
function fieldsOf(flat: readonly string[]): Record<string, string> {
  const fields: Record<string, string> = {};
  for (let index = 0; index < flat.length; index += 2) fields[flat[index]!] = flat[index + 1]!;
  return fields;
}

function fromHash(id: string, fields: Record<string, string>): StoredJobRecord {
  const time = (value: string | undefined) => (value === undefined ? null : Number(value));
  return {
    id,
    job: fields.j ?? "",
    queue: fields.q ?? "",
    enqueuedAt: Number(fields.ea ?? 0),
    state: fields.s!,
    attempt: Number(fields.a ?? 0),
    progress: fields.p ?? null,
    result: fields.r ?? null,
    error: fields.e ?? null,
    startedAt: time(fields.sa),
    finishedAt: time(fields.fa),
    runAt: time(fields.ra),
    cancelRequested: fields.x === "1",
    batchId: fields.b ?? null,
    parentId: fields.pj ?? null,
    args: fields.g ?? null,
  };
}
