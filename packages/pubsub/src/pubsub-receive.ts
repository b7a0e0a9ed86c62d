import type { protos, v1 } from "@google-cloud/pubsub";
import type { ReceivedMessage, ReceiveOptions } from "@hopper/core/backend";
import type { PubSubAckBatcher } from "./pubsub-ack-batcher.js";
import { ackDeadlineSeconds, MIN_ACK_DEADLINE_SECONDS } from "./pubsub-capabilities.js";
import { ID_ATTRIBUTE, jobIdOf } from "./pubsub-job-id.js";
import { MIN_KEYED_NACK_SECONDS, type PubSubOrderingLines } from "./pubsub-ordering.js";
import type { PullPacer } from "./pubsub-pull-pacer.js";
import type { QueueResources } from "./pubsub-queues.js";

type PulledMessage = protos.google.pubsub.v1.IReceivedMessage;

export interface PullContext {
  readonly client: v1.SubscriberClient;
  readonly acks: PubSubAckBatcher;
  readonly nackMaxDelayMs: number;
  readonly countsDeliveries: boolean;
  /** With message ordering: the per-key lines of a subscription; undefined without ordering. */
  orderingLines(subscription: string): PubSubOrderingLines | undefined;
  /** The pace of a subscription's pulls in this process (pubsub-pull-pacer.ts). */
  pullPacer(subscription: string): PullPacer;
  /** Aborts when the backend closes. */
  readonly closing: AbortSignal;
  ensureOpen(): void;
}

const grpcDeadlineExceeded = 4;
// One pull request never waits longer than this; receive() loops until waitMs is spent.
const maxPullWaitMs = 10_000;
/**
 * Synchronous pull: each receive is one or more pull requests for exactly the
 * messages asked for, so nothing sits leased in a local buffer where other
 * consumers cannot see it, and a message's lease is its ack deadline on the server.
 * With ordering, the one exception: messages of a key already out wait in its line.
 */
export async function pullMessages(context: PullContext, resources: QueueResources, options: ReceiveOptions): Promise<ReceivedMessage[]> {
  const deadline = Date.now() + options.waitMs;
  const maxMessages = Math.max(1, Math.min(options.maxMessages, 1000));
  const lines = context.orderingLines(resources.subscriptionPath);
  lines?.attend();
  const pacer = context.pullPacer(resources.subscriptionPath);
  const stopSignals = [options.signal, context.closing];
  for (;;) {
    if (options.signal?.aborted || context.closing.aborted) return [];
    if (lines?.hasReady()) return handOut(context, resources, lines.takeReady(maxMessages), options.leaseMs, lines);
    const remaining = deadline - Date.now();
    // The pace of empty pulls holds across receives (pubsub-pull-pacer.ts, on the monotonic clock); a receive that
    // waits for nothing (waitMs 0) asks now, and pulls at once.
    const paceMs = remaining > 0 ? pacer.msUntilNextPull(performance.now()) : 0;
    if (paceMs > 0) {
      await pauseUnlessStopped(Math.min(paceMs, remaining), stopSignals, lines);
      // A pause that ran to the end of the wait (or past it, on a stalled event loop) ends the receive: no pull after waitMs.
      if (Date.now() >= deadline && !lines?.hasReady()) return [];
      continue;
    }
    const pulled = await pullOnce(context, resources, maxMessages, remaining, options.signal, lines);
    if (pulled.length > 0) {
      pacer.pulledMessages();
      if (!lines) return handOut(context, resources, pulled, options.leaseMs, undefined);
      const keyless = lines.intake(pulled, resources.ackDeadlineSeconds ?? MIN_ACK_DEADLINE_SECONDS, Date.now());
      const taken = [...keyless, ...lines.takeReady(maxMessages - keyless.length)];
      if (taken.length > 0) return handOut(context, resources, taken, options.leaseMs, lines);
    } else if (!lines?.hasReady() && !options.signal?.aborted && !context.closing.aborted) {
      // (A pull given up, because a line's next message got ready or the receive stopped, is not an empty answer.)
      pacer.pulledNothing(performance.now());
    }
    if (remaining <= 0) return [];
  }
}

/** Waits `ms`, less when a signal aborts or a line's next message gets ready (the loop's top then hands it out). */
async function pauseUnlessStopped(ms: number, signals: readonly (AbortSignal | undefined)[], lines: PubSubOrderingLines | undefined): Promise<void> {
  if (ms <= 0) return;
  const ready = lines?.whenReady();
  const stopped = abandonedWhenAborted(signals, ready?.promise);
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([new Promise((resolve) => (timer = setTimeout(resolve, ms))), stopped.promise]);
  clearTimeout(timer);
  stopped.dispose();
  ready?.dispose();
}

async function pullOnce(context: PullContext, resources: QueueResources, maxMessages: number, waitMs: number, signal: AbortSignal | undefined, lines: PubSubOrderingLines | undefined): Promise<PulledMessage[]> {
  const subscription = resources.subscriptionPath;
  const request = context.client
    .pull({ subscription, maxMessages, returnImmediately: waitMs <= 0 }, { timeout: Math.min(maxPullWaitMs, Math.max(1000, waitMs)), retry: null })
    .then(([response]) => response.receivedMessages ?? [])
    .catch((error: unknown) => {
      if ((error as { code?: number }).code === grpcDeadlineExceeded) return [];
      throw error;
    });
  // A line whose head was acked meanwhile has its next message ready: no need to wait for the pull.
  const ready = lines?.whenReady();
  const stopped = abandonedWhenAborted([signal, context.closing], ready?.promise);
  const outcome = await Promise.race([request, stopped.promise]);
  stopped.dispose();
  ready?.dispose();
  if (outcome !== abandoned) return outcome;
  void request.then((late) => giveBackLate(context, resources, late, lines)).catch(() => {});
  return [];
}

/**
 * What an abandoned pull still brings. Keyless messages go straight back rather than
 * waiting out their deadline; keyed ones join their lines (a key's order is kept
 * only if a later message never goes back before an earlier one), released at close.
 */
async function giveBackLate(context: PullContext, resources: QueueResources, late: PulledMessage[], lines: PubSubOrderingLines | undefined): Promise<void> {
  const keyless = lines ? lines.intake(late, resources.ackDeadlineSeconds ?? MIN_ACK_DEADLINE_SECONDS, Date.now()) : late;
  await Promise.all(keyless.map((message) => context.acks.modifyAckDeadline(resources.subscriptionPath, message.ackId!, 0)));
  if (context.closing.aborted) await lines?.close();
}

async function handOut(context: PullContext, resources: QueueResources, pulled: PulledMessage[], leaseMs: number, lines: PubSubOrderingLines | undefined): Promise<ReceivedMessage[]> {
  const { subscriptionPath } = resources;
  const leaseSeconds = ackDeadlineSeconds(leaseMs, MIN_ACK_DEADLINE_SECONDS);
  // Line heads waited under a longer deadline; fresh pulls carry the subscription's.
  if (lines || leaseSeconds !== resources.ackDeadlineSeconds) {
    await Promise.all(pulled.map((message) => context.acks.modifyAckDeadline(subscriptionPath, message.ackId!, leaseSeconds)));
  }
  const leasedAt = Date.now();
  return pulled.map((pulledMessage): ReceivedMessage => {
    const ackId = pulledMessage.ackId!;
    const message = pulledMessage.message!;
    const key = lines && message.orderingKey ? message.orderingKey : undefined;
    if (key !== undefined) lines!.leased(key, ackId, leasedAt + leaseSeconds * 1000);
    const messageId = message.messageId!;
    lines?.handedOut(messageId, leasedAt + leaseSeconds * 1000);
    const body = Buffer.from(message.data ?? new Uint8Array()).toString("utf8");
    return {
      id: jobIdOf(message.attributes?.[ID_ATTRIBUTE], body, messageId),
      body,
      // Pub/Sub counts deliveries only on subscriptions with a dead-letter policy (0 otherwise).
      deliveryAttempt: context.countsDeliveries && pulledMessage.deliveryAttempt ? pulledMessage.deliveryAttempt : undefined,
      ack: async () => {
        context.ensureOpen();
        try {
          await context.acks.acknowledge(subscriptionPath, ackId);
        } catch (error) {
          // The ack did not land: this copy comes back when its deadline ends, and so do the waiting ones.
          await lines?.settled(messageId, key === undefined ? 0 : MIN_KEYED_NACK_SECONDS).catch(() => {});
          throw error;
        }
        if (key !== undefined) lines!.acked(key, ackId, Date.now());
        await lines?.settled(messageId, undefined);
      },
      nack: async (nackOptions) => {
        context.ensureOpen();
        // Redelivery after a delay is an ack deadline of that length; 0 means at once.
        const delaySeconds = ackDeadlineSeconds(Math.min(nackOptions?.retryAfterMs ?? 0, context.nackMaxDelayMs), 0);
        const seconds = key === undefined ? delaySeconds : Math.max(MIN_KEYED_NACK_SECONDS, delaySeconds);
        if (key === undefined) await context.acks.modifyAckDeadline(subscriptionPath, ackId, seconds);
        else await lines!.nacked(key, ackId, seconds);
        await lines?.settled(messageId, seconds);
      },
      extendLease: async (extendMs) => {
        context.ensureOpen();
        const seconds = ackDeadlineSeconds(extendMs, MIN_ACK_DEADLINE_SECONDS);
        await context.acks.modifyAckDeadline(subscriptionPath, ackId, seconds);
        if (key !== undefined) lines!.leased(key, ackId, Date.now() + seconds * 1000);
        lines?.extended(messageId, Date.now() + seconds * 1000);
        // Pub/Sub accepts a deadline change for an expired ack id without complaint: it cannot tell (no reportsLostLease).
        return true;
      },
    };
  });
}

const abandoned = Symbol("abandoned");

function abandonedWhenAborted(signals: readonly (AbortSignal | undefined)[], also?: Promise<void>): { promise: Promise<typeof abandoned>; dispose(): void } {
  let onAbort = () => {};
  const promise = new Promise<typeof abandoned>((resolve) => {
    onAbort = () => resolve(abandoned);
    void also?.then(onAbort);
    for (const signal of signals) {
      if (signal?.aborted) resolve(abandoned);
      signal?.addEventListener("abort", onAbort, { once: true });
    }
  });
  return { promise, dispose: () => signals.forEach((signal) => signal?.removeEventListener("abort", onAbort)) };
}
