import type { Cluster, Redis } from "ioredis";
import type { DeclareKeys } from "./redis-declared-keys.js";
import { defineCommands, scriptWithHelpers } from "./script-files.js";

export type RedisClient = Redis | Cluster;

/** The commands our Lua scripts add to a client; ioredis sends them by SHA (EVALSHA, falling back to EVAL once). */
export interface ScriptCommands {
  /** Keys: ready, delayed, meta, dedupe, then the send's ordering lines (enqueue.lua); then base, channel, record prefix and channel, queue, send token, message arguments. */
  hopperEnqueue(keyCount: number, ...keysThenArgs: string[]): Promise<number | (number | string)[] | DeclareKeys>;
  /** hopperEnqueue for a send whose messages carry no records (recordPrefix ""). */
  hopperEnqueueNoRecords(keyCount: number, ...keysThenArgs: string[]): Promise<number | (number | string)[] | DeclareKeys>;
  hopperReceive(ready: string, delayed: string, leased: string, orphans: string, base: string, maxMessages: number, leaseMs: number, limit: number, recordPrefix: string, recordChannel: string, queue: string, recordTtlMs: number, leaseForm: "c" | "", lapseBound: number | ""): Promise<(number | string)[]>;
  hopperAck(keyCount: number, ...keysThenArgs: (string | number)[]): Promise<number | DeclareKeys>;
  hopperNack(ready: string, delayed: string, leased: string, message: string, base: string, channel: string, handle: string, token: string, delayMs: number, uncounted: "0" | "1", body?: string): Promise<number>;
  hopperExtendLease(leased: string, message: string, base: string, handle: string, attempt: string, leaseMs: number, lapseBound: number | ""): Promise<number>;
  hopperStats(ready: string, delayed: string, leased: string, meta: string): Promise<number[]>;
  hopperTakeScheduled(delayed: string, leased: string, base: string, maxMessages: number, leaseMs: number): Promise<(number | string)[]>;
}

const scriptFiles = {
  // Its ordering lines follow the four fixed keys, so the key count is given per call.
  hopperEnqueue: { file: "enqueue.lua", keys: undefined },
  // The same script for a send without records: it skips records.lua's functions, which the one with records needs.
  hopperEnqueueNoRecords: { file: "enqueue.lua", keys: undefined, records: false },
  hopperReceive: { file: "receive.lua", keys: 4 },
  // The message hashes follow the six fixed keys, so the key count is given per call.
  hopperAck: { file: "ack.lua", keys: undefined },
  hopperNack: { file: "nack.lua", keys: 4 },
  hopperExtendLease: { file: "extend-lease.lua", keys: 2 },
  hopperStats: { file: "stats.lua", keys: 4 },
  hopperTakeScheduled: { file: "take-scheduled.lua", keys: 2 },
} satisfies Record<keyof ScriptCommands, { file: string; keys: number | undefined; records?: false }>;

/** A script's source, after the helpers it uses (lua-prelude.ts; built once per process by script-files.ts). */
function sourceOf(script: { file: string; records?: false }): string {
  // The queue scripts write records on a single node only, where the state indexes may be written with them.
  return "records" in script
    ? scriptWithHelpers(script.file, ["common.lua"], "local record_insert, record_all_absent = nil, nil -- sent no records")
    : scriptWithHelpers(script.file, ["common.lua", "records.lua"], "local record_one_node = true");
}

/** Adds the hopper* commands to `client` (idempotent) and returns it typed with them. */
export function defineScripts(client: RedisClient): RedisClient & ScriptCommands {
  defineCommands(client, Object.entries(scriptFiles).map(([name, script]) => [name, script.keys, sourceOf(script)] as const));
  return client as RedisClient & ScriptCommands;
}
