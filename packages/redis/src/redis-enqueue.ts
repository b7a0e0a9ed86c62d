import { randomBytes } from "node:crypto";
import type { EnqueueResult, OutgoingMessage } from "@hopper/core/backend";
import { whileSlotMoves } from "./redis-cluster-errors.js";
import type { QueueKeys, RecordKeys } from "./redis-keys.js";
import type { RedisClient, ScriptCommands } from "./redis-scripts.js";

/** This process's part of every send token; the counter makes each token unique (see enqueue.lua's header: a resent script stores nothing twice). */
const processToken = randomBytes(9).toString("base64url");
let sends = 0;

/**
 * One script call per queue in the batch, all sent at once (ioredis writes
 * them back to back, so a batch costs one round trip). Each call is atomic,
 * so a failure fails exactly that queue's messages.
 */
export async function enqueueMessages(client: RedisClient & ScriptCommands, keysOf: (queue: string) => QueueKeys, messages: readonly OutgoingMessage[], records: RecordKeys | undefined): Promise<EnqueueResult[]> {
  const results: EnqueueResult[] = new Array(messages.length);
  const queue = messages[0]?.queue;
  // Single enqueues of one queue come in sends of one queue: no grouping then.
  if (messages.every((message) => message.queue === queue)) {
    await enqueueQueue(client, keysOf, messages, undefined, records, results);
    return results;
  }
  const byQueue = new Map<string, number[]>();
  messages.forEach((message, index) => {
    const indexes = byQueue.get(message.queue);
    if (indexes) indexes.push(index);
    else byQueue.set(message.queue, [index]);
  });
  await Promise.all([...byQueue.values()].map((indexes) => enqueueQueue(client, keysOf, messages, indexes, records, results)));
  return results;
}

/** One script call for the messages at `indexes` (all of them when absent), all of one queue; writes their results in place. */
async function enqueueQueue(client: RedisClient & ScriptCommands, keysOf: (queue: string) => QueueKeys, messages: readonly OutgoingMessage[], indexes: readonly number[] | undefined, records: RecordKeys | undefined, results: EnqueueResult[]): Promise<void> {
  const count = indexes ? indexes.length : messages.length;
  const at = (position: number): number => (indexes ? indexes[position]! : position);
  const queue = messages[at(0)]!.queue;
  const keys = keysOf(queue);
  // Records ride with the messages only when the backend writes its own (records given) and some message carries one.
  let withRecords = false;
  if (records !== undefined) for (let position = 0; position < count && !withRecords; position++) withRecords = messages[at(position)]!.record !== undefined;
  const args: string[] = [];
  for (let position = 0; position < count; position++) {
    const message = messages[at(position)]!;
    args.push(message.id, message.body, String(message.delayMs ?? 0), String(message.priority ?? 0), optionalKey(message.orderingKey), optionalKey(message.dedupeKey));
    if (withRecords) {
      const record = message.record;
      args.push(record?.job ?? "", String(record?.enqueuedAt ?? 0), record?.runAt == null ? "" : String(record.runAt), String(Math.ceil(record?.ttlMs ?? 0)), record?.batchId ?? "", record?.parentId ?? "", record?.args ?? "");
    }
  }
  try {
    // Only replies that say the script did not run are retried, so a batch is never stored twice.
    const token = `${processToken}:${(sends += 1).toString(36)}`;
    const replies = await whileSlotMoves(() => client.hopperEnqueue(keys.ready, keys.delayed, keys.meta, keys.dedupe, keys.base, keys.wakeChannel, withRecords ? records!.prefix : "", withRecords ? records!.channel : "", queue, token, ...args));
    for (let position = 0; position < count; position++) {
      const index = at(position);
      const id = messages[index]!.id;
      const reply = replies[position];
      results[index] = typeof reply === "string" ? { status: "duplicate", id, existingId: reply } : { status: "enqueued", id };
    }
  } catch (error) {
    for (let position = 0; position < count; position++) {
      const index = at(position);
      results[index] = { status: "failed", id: messages[index]!.id, error: error as Error };
    }
  }
}

/** "" for none, else the key behind "=", so an empty key stays distinct from no key. */
function optionalKey(key: string | undefined): string {
  return key === undefined ? "" : `=${key}`;
}
