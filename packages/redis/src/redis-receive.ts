import type { NackOptions, ReceivedMessage, ReceiveOptions, ScheduledMessage, TakeScheduledOptions } from "@hopper/core/backend";
import { ConfigurationError, type SettledRecord } from "@hopper/core";
import { ridesAck, type AckBatcher } from "./redis-acks.js";
import type { QueueKeys, RecordKeys } from "./redis-keys.js";
import { isClusterTransientError, whileSlotMoves, type SlotMoveWait } from "./redis-cluster-errors.js";
import type { RedisClient, ScriptCommands } from "./redis-scripts.js";
import type { ServerClock } from "./server-clock.js";
import type { Wakeups } from "./redis-wakeups.js";
import { untilAborted } from "./until-aborted.js";

export interface ReceiveContext {
  readonly client: RedisClient & ScriptCommands;
  readonly keys: QueueKeys;
  /** The queue's node's clock as this process reckons it: leases lapse by it (server-clock.ts). */
  readonly serverClock: ServerClock;
  readonly wakeups: Wakeups;
  readonly acks: AckBatcher;
  /** Set when the backend writes its own records (a single node): receive starts them, ack settles them. */
  readonly records: RecordKeys | undefined;
  /** Lease compactly what can be (RedisBackendOptions.compactLeases; receive.lua). */
  readonly compactLeases: boolean;
  /** How long a nack, a renewal or a take of scheduled messages waits out a slot migration (`slotMoveWaitMs`). */
  readonly slotMoves: SlotMoveWait;
  /** Longest wait between looks when no wake-up comes (a wake-up can be lost while reconnecting). */
  readonly pollIntervalMs: number;
  readonly closing: AbortSignal;
  /** Throws BackendClosedError after close. */
  readonly ensureOpen: () => void;
  /** Told about handles whose message hash was missing; they wait in the queue's `orphans` key. */
  readonly reportOrphans: (event: MissingMessagesEvent) => void;
}

export interface MissingMessagesEvent {
  readonly queue: string;
  /** The zset holding them (handle -> when last looked at); a receive puts one back once its hash exists again. */
  readonly orphansKey: string;
  readonly handles: readonly string[];
}

// Bounds the work one receive script does moving due or expired messages to ready.
const promoteLimit = 1000;
// How soon to look again after a cluster answered that a slot is moving.
const clusterRetryMs = 100;

/**
 * Long polling: look (one script call), and when nothing is ready wait for a
 * wake-up, the next delay or lease deadline the script reported, or the poll
 * interval, whichever comes first.
 */
export async function receiveMessages(context: ReceiveContext, options: ReceiveOptions): Promise<ReceivedMessage[]> {
  const deadline = Date.now() + options.waitMs;
  for (;;) {
    try {
      return await receiveOnce(context, options, deadline);
    } catch (error) {
      if (!isClusterTransientError(error)) throw error;
      // A slot on the move: the script claimed nothing, so look again shortly, and once the wait is over answer "nothing yet".
      if (Date.now() >= deadline || options.signal?.aborted || context.closing.aborted) return [];
      await context.wakeups.wait(context.keys.wakeChannel, Math.min(deadline - Date.now(), clusterRetryMs), [options.signal, context.closing]);
    }
  }
}

async function receiveOnce(context: ReceiveContext, options: ReceiveOptions, deadline: number): Promise<ReceivedMessage[]> {
  const { client, keys, wakeups, closing, signal } = { ...context, signal: options.signal };
  if (!(await untilAborted(wakeups.listen(keys.wakeChannel).then(() => true), [signal, closing]))) return [];
  for (;;) {
    if (signal?.aborted || closing.aborted) return [];
    const generation = wakeups.generation(keys.wakeChannel);
    const records = options.records && context.records;
    const sentAt = Date.now();
    const sentAtMonotonic = performance.now();
    const call = client.hopperReceive(keys.ready, keys.delayed, keys.leased, keys.orphans, keys.base, options.maxMessages, options.leaseMs, promoteLimit, records ? records.prefix : "", records ? records.channel : "", options.queue, Math.ceil(options.records?.ttlMs ?? 0), context.compactLeases ? "c" : "", context.serverClock.lapseBound());
    const reply = await untilAborted(call, [signal, closing]);
    if (reply === undefined || closing.aborted) {
      // Given up on (the server may be unreachable): hand back whatever the call still leases, or its lease will.
      // No caller ever saw them: those deliveries do not count.
      void call.then((late) => Promise.all(toMessages(context, late, options.queue, sentAt).map((message) => message.nack({ countAttempt: false })))).catch(() => {});
      return [];
    }
    context.serverClock.observe(Number(reply[0]), sentAtMonotonic, options.leaseMs);
    const messages = toMessages(context, reply, options.queue, sentAt);
    if (messages.length > 0) return messages;
    const now = Date.now();
    if (now >= deadline || signal?.aborted) return [];
    if (wakeups.generation(keys.wakeChannel) !== generation) continue;
    const [serverNow, nextAt] = reply as [number, number];
    const untilNextChange = nextAt >= 0 ? Math.max(0, nextAt - serverNow) : Infinity;
    await wakeups.wait(keys.wakeChannel, Math.min(deadline - now, untilNextChange, context.pollIntervalMs), [signal, closing]);
  }
}

/** The reply's messages; its orphaned handles go to `reportOrphans`. */
function toMessages(context: ReceiveContext, reply: readonly (number | string)[], queue: string, leaseFrom: number): ReceivedMessage[] {
  const orphaned = Number(reply[2]);
  if (orphaned > 0) context.reportOrphans({ queue, orphansKey: context.keys.orphans, handles: reply.slice(3, 3 + orphaned).map(String) });
  const messages: ReceivedMessage[] = [];
  // Two values a message (receive.lua, Returns): "<handle> <token> <attempt> <record> <id>", then the body. One value
  // for the five short ones: a client decodes each value of a reply apart, and at ioredis 6 that cost more than their text.
  for (let index = 3 + orphaned; index < reply.length; index += 2) {
    const lease = String(reply[index]);
    const tokenAt = lease.indexOf(" ") + 1;
    const attemptAt = lease.indexOf(" ", tokenAt) + 1;
    const recordAt = lease.indexOf(" ", attemptAt) + 1;
    const idAt = lease.indexOf(" ", recordAt) + 1;
    const record = lease.slice(recordAt, idAt - 1);
    const riding = record === "riding";
    messages.push(new RedisReceivedMessage(context, lease.slice(0, tokenAt - 1), lease.slice(tokenAt, attemptAt - 1), lease.slice(idAt), String(reply[index + 1]), Number(lease.slice(attemptAt, recordAt - 1)), riding ? "running" : record === "running" || record === "cancelled" ? record : undefined, leaseFrom, riding));
  }
  return messages;
}

/** Leases delayed messages (take-scheduled.lua): one script call, never waits. */
export async function takeScheduledMessages(context: ReceiveContext, options: TakeScheduledOptions): Promise<ScheduledMessage[]> {
  const { client, keys } = context;
  let sentAt = Date.now();
  const reply = await whileSlotMoves(() => {
    sentAt = Date.now();
    return client.hopperTakeScheduled(keys.delayed, keys.leased, keys.base, options.maxMessages, options.leaseMs);
  }, context.slotMoves);
  const messages: ScheduledMessage[] = [];
  for (let index = 0; index < reply.length; index += 6) {
    const message = new RedisReceivedMessage(context, String(reply[index]), String(reply[index + 1]), String(reply[index + 2]), String(reply[index + 3]), Number(reply[index + 4]), undefined, sentAt, false);
    messages.push(Object.assign(message, { dueAt: Number(reply[index + 5]) }));
  }
  return messages;
}

/**
 * One leased message. Its methods live on the prototype, and the message key
 * is built when used, so a job held for minutes keeps six fields, not three
 * closures and their strings. The lease token is the delivery count, which
 * only grows ("c<count>" for a compact lease, receive.lua); `deliveryAttempt`
 * is that count less uncounted hand-backs.
 */
class RedisReceivedMessage implements ReceivedMessage {
  readonly #context: ReceiveContext;
  readonly #handle: string;
  readonly #token: string;
  /** The receive left the claim in the message (receive.lua's "riding"): the ack may send its record short (redis-acks.ts). */
  readonly #riding: boolean;
  constructor(
    context: ReceiveContext,
    handle: string,
    token: string,
    readonly id: string,
    /** Own, so a wrapper spreading the message keeps it; "" once released. */
    public body: string,
    readonly deliveryAttempt: number,
    readonly record: "running" | "cancelled" | undefined,
    /** When the call that leased it was sent (ReceivedMessage.leaseFrom). */
    readonly leaseFrom: number,
    riding: boolean,
  ) {
    this.#context = context;
    this.#handle = handle;
    this.#token = token;
    this.#riding = riding;
  }

  /** The lease needs only the handle and token: a started job's message drops its body (ReceivedMessage.releaseBody). */
  releaseBody(): void {
    this.body = "";
  }

  async ack(options?: { readonly record?: SettledRecord }): Promise<void> {
    const { acks, keys, ensureOpen, records } = this.#context;
    ensureOpen();
    const record = records && options?.record;
    await acks.ack(keys, this.#handle, this.#token, record, record !== undefined && this.#riding && ridesAck(record, this.id, this.deliveryAttempt));
  }

  async nack(options?: NackOptions): Promise<void> {
    const { client, keys, ensureOpen, slotMoves } = this.#context;
    ensureOpen();
    // A repeated nack finds the lease gone and changes nothing. One given up on during a migration leaves the job to
    // its lease: bounded, so a stop's hand-backs cannot wait out a reshard left half done.
    const body = options?.body;
    const args = [keys.ready, keys.delayed, keys.leased, this.#messageKey(), keys.base, keys.wakeChannel, this.#handle, this.#token, Math.max(0, options?.retryAfterMs ?? 0), options?.countAttempt === false ? "1" : "0"] as const;
    await whileSlotMoves(() => (body === undefined ? client.hopperNack(...args) : client.hopperNack(...args, body)), slotMoves);
  }

  async extendLease(leaseMs: number): Promise<boolean> {
    const { client, keys, ensureOpen } = this.#context;
    ensureOpen();
    // An infinite deadline would never be reclaimed: the job held for good by a worker that may be gone.
    if (!Number.isFinite(leaseMs) || leaseMs <= 0) throw new ConfigurationError({ field: "leaseMs", message: `must be a positive, finite number of ms, got ${JSON.stringify(leaseMs) ?? String(leaseMs)}` });
    const { serverClock, slotMoves } = this.#context;
    const sentAt = performance.now();
    const serverNow = await whileSlotMoves(() => client.hopperExtendLease(keys.leased, this.#messageKey(), keys.base, this.#handle, this.#token, leaseMs, serverClock.lapseBound()), slotMoves);
    if (serverNow === 0) return false;
    serverClock.observe(serverNow, sentAt, leaseMs);
    return true;
  }

  #messageKey(): string {
    return `${this.#context.keys.base}m:${this.#handle}`;
  }
}
