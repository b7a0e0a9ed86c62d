import { randomBytes } from "node:crypto";
import type { InsertedRecord } from "@hopper/core";
import type { EnqueueResult, OutgoingMessage } from "@hopper/core/backend";
import { slotMoveBoundMs, whileSlotMoves, type SlotMoveWait } from "./redis-cluster-errors.js";
import { withDeclaredKeys } from "./redis-declared-keys.js";
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
export async function enqueueMessages(client: RedisClient & ScriptCommands, keysOf: (queue: string) => QueueKeys, messages: readonly OutgoingMessage[], records: RecordKeys | undefined, slotMoves: SlotMoveWait = { boundMs: slotMoveBoundMs }): Promise<EnqueueResult[]> {
  const byQueue = new Map<string, number[]>();
  messages.forEach((message, index) => {
    const indexes = byQueue.get(message.queue);
    if (indexes) indexes.push(index);
    else byQueue.set(message.queue, [index]);
  });
  const results: EnqueueResult[] = new Array(messages.length);
  await Promise.all(
    [...byQueue].map(async ([queue, indexes]) => {
      const keys = keysOf(queue);
      // Records ride with the messages only when the backend writes its own (records given) and some message carries one.
      const withRecords = records !== undefined && indexes.some((index) => messages[index]!.record !== undefined);
      const plain = indexes.every((index) => isPlain(messages[index]!));
      try {
        // Only replies that say the script did not run are retried, so a batch is never stored twice.
        const token = `${processToken}:${(sends += 1).toString(36)}`;
        const lines = lineKeys(keys, messages, indexes);
        const call = [keys.ready, keys.delayed, keys.meta, keys.dedupe, ...lines, keys.base, keys.wakeChannel, withRecords ? records.prefix : "", withRecords ? records.channel : "", queue, token, plain ? "p" : ""];
        if (withRecords) pushRecordSendArgs(call, messages, indexes, plain);
        else for (const index of indexes) pushMessageArgs(call, messages[index]!, plain);
        // A dedupe key's holder found missing (a slot half moved) the script asks to have declared (enqueue.lua).
        const enqueue = withRecords ? client.hopperEnqueue : client.hopperEnqueueNoRecords;
        const replies = await withDeclaredKeys(4 + lines.length, call, (declared, sent) => whileSlotMoves(() => enqueue.call(client, declared, ...(sent as string[])), slotMoves));
        indexes.forEach((messageIndex, replyIndex) => {
          const id = messages[messageIndex]!.id;
          // A number answers that every message was enqueued (enqueue.lua's Returns).
          const reply = typeof replies === "number" ? 1 : replies[replyIndex];
          results[messageIndex] = typeof reply === "string" ? { status: "duplicate", id, existingId: reply } : { status: "enqueued", id };
        });
      } catch (error) {
        for (const index of indexes) results[index] = { status: "failed", id: messages[index]!.id, error: error as Error };
      }
    }),
  );
  return results;
}

/**
 * The ordering lines the send's messages join, declared to the script: on a Cluster whose slot is half moved, Redis
 * then answers TRYAGAIN until a line is on the node the script runs on, rather than let it look missing there and
 * start a second line beside the one still moving (which MIGRATE then refuses, BUSYKEY).
 */
function lineKeys(keys: QueueKeys, messages: readonly OutgoingMessage[], indexes: readonly number[]): string[] {
  const lines = new Set<string>();
  for (const index of indexes) {
    const orderingKey = messages[index]!.orderingKey;
    if (orderingKey !== undefined) lines.add(`${keys.base}o:${orderingKey}`);
  }
  return [...lines];
}

/** Whether a message takes enqueue.lua's plain form: due now, of priority 0, without an ordering or dedupe key. */
function isPlain(message: OutgoingMessage): boolean {
  return !message.delayMs && !message.priority && message.orderingKey === undefined && message.dedupeKey === undefined;
}

/** A message's own arguments: id and body when the send is plain, else with its delay, priority and keys. */
function pushMessageArgs(args: string[], message: OutgoingMessage, plain: boolean): void {
  if (plain) args.push(message.id, message.body);
  else args.push(message.id, message.body, String(message.delayMs ?? 0), String(message.priority ?? 0), optionalKey(message.orderingKey), optionalKey(message.dedupeKey));
}

/**
 * Appends enqueue.lua's arguments for a send with records, from its record form on: "s" with the record arguments once
 * when its messages (more than one) all have a record and agree in all but args (a bulk enqueue of one job), else "" and
 * each message's own.
 */
function pushRecordSendArgs(args: string[], messages: readonly OutgoingMessage[], indexes: readonly number[], plain: boolean): void {
  const first = messages[indexes[0]!]!.record;
  // A send of one message gains nothing from the shared form (as many arguments), so it keeps the per-message one.
  const shared = indexes.length > 1 && first !== undefined && indexes.every((index) => sharesRecordArgs(messages[index]!.record, first));
  if (shared) {
    args.push("s", first.job, String(first.enqueuedAt), first.runAt == null ? "" : String(first.runAt), String(Math.ceil(first.ttlMs)), first.batchId ?? "", first.parentId ?? "");
    for (const index of indexes) {
      const message = messages[index]!;
      pushMessageArgs(args, message, plain);
      args.push(message.record!.args ?? "");
    }
    return;
  }
  args.push("");
  for (const index of indexes) {
    const message = messages[index]!;
    pushMessageArgs(args, message, plain);
    const record = message.record;
    args.push(record?.job ?? "", String(record?.enqueuedAt ?? 0), record?.runAt == null ? "" : String(record.runAt), String(Math.ceil(record?.ttlMs ?? 0)), record?.batchId ?? "", record?.parentId ?? "", record?.args ?? "");
  }
}

/** Whether `record` takes the same enqueue.lua arguments as `first`, args apart (the shared form). */
function sharesRecordArgs(record: InsertedRecord | undefined, first: InsertedRecord): boolean {
  return (
    record !== undefined &&
    record.job === first.job &&
    record.enqueuedAt === first.enqueuedAt &&
    (record.runAt ?? null) === (first.runAt ?? null) &&
    Math.ceil(record.ttlMs) === Math.ceil(first.ttlMs) &&
    record.batchId === first.batchId &&
    record.parentId === first.parentId
  );
}

/** "" for none, else the key behind "=", so an empty key stays distinct from no key. */
function optionalKey(key: string | undefined): string {
  return key === undefined ? "" : `=${key}`;
}
