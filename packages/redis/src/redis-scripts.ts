import { readFileSync } from "node:fs";
import type { Cluster, Redis } from "ioredis";

export type RedisClient = Redis | Cluster;

/** The commands our Lua scripts add to a client; ioredis sends them by SHA (EVALSHA, falling back to EVAL once). */
export interface ScriptCommands {
  hopperEnqueue(ready: string, delayed: string, meta: string, dedupe: string, base: string, channel: string, recordPrefix: string, recordChannel: string, queue: string, sendToken: string, ...messageArgs: string[]): Promise<(number | string)[]>;
  /** hopperEnqueue for a send whose messages carry no records (recordPrefix ""). */
  hopperEnqueueNoRecords(ready: string, delayed: string, meta: string, dedupe: string, base: string, channel: string, recordPrefix: "", recordChannel: "", queue: string, sendToken: string, ...messageArgs: string[]): Promise<(number | string)[]>;
  hopperReceive(ready: string, delayed: string, leased: string, orphans: string, base: string, maxMessages: number, leaseMs: number, limit: number, recordPrefix: string, recordChannel: string, queue: string, recordTtlMs: number): Promise<(number | string)[]>;
  hopperAck(keyCount: number, ...keysThenArgs: (string | number)[]): Promise<number>;
  hopperNack(ready: string, delayed: string, leased: string, message: string, base: string, channel: string, handle: string, token: string, delayMs: number, uncounted: "0" | "1"): Promise<number>;
  hopperExtendLease(leased: string, message: string, base: string, handle: string, attempt: string, leaseMs: number): Promise<number>;
  hopperStats(ready: string, delayed: string, leased: string, meta: string): Promise<number[]>;
  hopperTakeScheduled(delayed: string, leased: string, base: string, maxMessages: number, leaseMs: number): Promise<(number | string)[]>;
}

const scriptFiles = {
  hopperEnqueue: { file: "enqueue.lua", keys: 4 },
  // The same script without records.lua: Redis runs a script's prelude on every call, and defining records.lua's
  // functions costs ~25,000 server instructions per call, more than a one-message send's writes.
  hopperEnqueueNoRecords: { file: "enqueue.lua", keys: 4, records: false },
  hopperReceive: { file: "receive.lua", keys: 4 },
  // The message hashes follow the six fixed keys, so the key count is given per call.
  hopperAck: { file: "ack.lua", keys: undefined },
  hopperNack: { file: "nack.lua", keys: 4 },
  hopperExtendLease: { file: "extend-lease.lua", keys: 2 },
  hopperStats: { file: "stats.lua", keys: 4 },
  hopperTakeScheduled: { file: "take-scheduled.lua", keys: 2 },
} satisfies Record<keyof ScriptCommands, { file: string; keys: number | undefined; records?: false }>;

let sources: Map<string, string> | undefined;

function readScript(file: string): string {
  return readFileSync(new URL(`./scripts/${file}`, import.meta.url), "utf8");
}

/** Script sources, each with the shared prelude in front; read once per process. */
function scriptSources(): Map<string, string> {
  if (!sources) {
    // The queue scripts write records on a single node only, where the state indexes may be written with them.
    const prelude = `${readScript("common.lua")}\nlocal record_one_node = true\n${readScript("records.lua")}`;
    const withoutRecords = `${readScript("common.lua")}\nlocal record_insert, record_all_absent = nil, nil -- sent no records`;
    sources = new Map(Object.entries(scriptFiles).map(([name, script]) => [name, `${"records" in script ? withoutRecords : prelude}\n${readScript(script.file)}`]));
  }
  return sources;
}

/** Adds the hopper* commands to `client` (idempotent) and returns it typed with them. */
export function defineScripts(client: RedisClient): RedisClient & ScriptCommands {
  const sourceByName = scriptSources();
  for (const [name, { keys }] of Object.entries(scriptFiles)) {
    if (typeof (client as unknown as Record<string, unknown>)[name] !== "function") {
      client.defineCommand(name, { ...(keys !== undefined && { numberOfKeys: keys }), lua: sourceByName.get(name)! });
    }
  }
  return client as RedisClient & ScriptCommands;
}
