import type { ReceivedMessage, ReceiveOptions } from "@hopper/core/backend";
import type { AckBatcher } from "./redis-acks.js";
import type { QueueKeys } from "./redis-keys.js";
import type { RedisClient, ScriptCommands } from "./redis-scripts.js";
import type { Wakeups } from "./redis-wakeups.js";

export interface ReceiveContext {
  readonly client: RedisClient & ScriptCommands;
  readonly keys: QueueKeys;
  readonly wakeups: Wakeups;
  readonly acks: AckBatcher;
  /** Longest wait between looks when no wake-up comes (a wake-up can be lost while reconnecting). */
  readonly pollIntervalMs: number;
  readonly closing: AbortSignal;
  /** Throws BackendClosedError after close. */
  readonly ensureOpen: () => void;
}

// Bounds the work one receive script does moving due or expired messages to ready.
const promoteLimit = 1000;

/**
 * Long polling: look (one script call), and when nothing is ready wait for a
 * wake-up, the next delay or lease deadline the script reported, or the poll
 * interval, whichever comes first.
 */
export async function receiveMessages(context: ReceiveContext, options: ReceiveOptions): Promise<ReceivedMessage[]> {
  const { client, keys, wakeups, closing, signal } = { ...context, signal: options.signal };
  if (!(await untilAborted(wakeups.listen(keys.wakeChannel).then(() => true), [signal, closing]))) return [];
  const deadline = Date.now() + options.waitMs;
  for (;;) {
    if (signal?.aborted || closing.aborted) return [];
    const generation = wakeups.generation(keys.wakeChannel);
    const call = client.hopperReceive(keys.ready, keys.delayed, keys.leased, keys.base, options.maxMessages, options.leaseMs, promoteLimit);
    const reply = await untilAborted(call, [signal, closing]);
    if (reply === undefined || closing.aborted) {
      // Given up on (the server may be unreachable): hand back whatever the call still leases, or its lease will.
      void call.then((late) => Promise.all(toMessages(context, late).map((message) => message.nack()))).catch(() => {});
      return [];
    }
    if (reply.length > 2) return toMessages(context, reply);
    const now = Date.now();
    if (now >= deadline || signal?.aborted) return [];
    if (wakeups.generation(keys.wakeChannel) !== generation) continue;
    const [serverNow, nextAt] = reply as [number, number];
    const untilNextChange = nextAt >= 0 ? Math.max(0, nextAt - serverNow) : Infinity;
    await wakeups.wait(keys.wakeChannel, Math.min(deadline - now, untilNextChange, context.pollIntervalMs), [signal, closing]);
  }
}

/** The call's result, or undefined as soon as a signal aborts. */
function untilAborted<T>(call: Promise<T>, signals: readonly (AbortSignal | undefined)[]): Promise<T | undefined> {
  if (signals.some((signal) => signal?.aborted)) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const done = () => {
      for (const signal of signals) signal?.removeEventListener("abort", done);
      resolve(undefined);
    };
    for (const signal of signals) signal?.addEventListener("abort", done, { once: true });
    call.then(
      (value) => {
        for (const signal of signals) signal?.removeEventListener("abort", done);
        resolve(value);
      },
      (error: unknown) => {
        for (const signal of signals) signal?.removeEventListener("abort", done);
        reject(error);
      },
    );
  });
}

function toMessages(context: ReceiveContext, reply: readonly (number | string)[]): ReceivedMessage[] {
  const { client, keys, acks, ensureOpen } = context;
  const messages: ReceivedMessage[] = [];
  for (let index = 2; index < reply.length; index += 4) {
    const handle = String(reply[index]);
    const attempt = Number(reply[index + 3]);
    const token = String(attempt);
    messages.push({
      id: String(reply[index + 1]),
      body: String(reply[index + 2]),
      deliveryAttempt: attempt,
      async ack() {
        ensureOpen();
        await acks.ack(keys, handle, token);
      },
      async nack(options) {
        ensureOpen();
        await client.hopperNack(keys.ready, keys.delayed, keys.leased, keys.base, keys.wakeChannel, handle, token, Math.max(0, options?.retryAfterMs ?? 0));
      },
      async extendLease(leaseMs) {
        ensureOpen();
        return (await client.hopperExtendLease(keys.leased, keys.base, handle, token, leaseMs)) === 1;
      },
    });
  }
  return messages;
}
