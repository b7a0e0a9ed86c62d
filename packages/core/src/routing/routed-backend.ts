import { BACKEND_SPECIFICATION_VERSION, type Backend, type EnqueueResult, type OutgoingMessage, type QueueStats, type ReceiveOptions, type ReceivedMessage, type ScheduledMessage, type TakeScheduledOptions } from "../backend/backend.js";
import { BackendClosedError } from "../errors/backend-closed-error.js";
import { DEAD_LETTER_SUFFIX } from "../names.js";
import { combinedCapabilities } from "./combined-capabilities.js";

/** One queue's backends: where its jobs are sent, and older ones its receives drain first. */
export interface RoutedQueue {
  readonly send: Backend;
  readonly drainFrom: readonly Backend[];
}

export interface RoutedBackendOptions {
  /** Every queue not in `queues` (and its dead letters) lives here. */
  readonly fallback: Backend;
  readonly queues: ReadonlyMap<string, RoutedQueue>;
  /** Closed by `close`, once each (a backend given to createHopper is its owner's). */
  readonly owned: readonly Backend[];
}

/**
 * One Backend over several, routed by queue: `enqueue` splits a batch by each message's queue and sends
 * each part to that queue's backend (results in input order), `receive` asks the queue's drained
 * backends first without waiting and only then waits on the backend its jobs are sent to, so a message
 * is acked, nacked and extended on the backend it came from (its own closures). A queue's dead letters
 * (`<queue>-dead`) live with the queue.
 */
export function createRoutedBackend(options: RoutedBackendOptions): Backend {
  const routeOf = (queue: string): RoutedQueue => {
    const own = options.queues.get(queue);
    if (own) return own;
    const dead = queue.endsWith(DEAD_LETTER_SUFFIX) ? options.queues.get(queue.slice(0, -DEAD_LETTER_SUFFIX.length)) : undefined;
    return dead ?? { send: options.fallback, drainFrom: [] };
  };
  const all = [...new Set([options.fallback, ...[...options.queues.values()].flatMap((route) => [route.send, ...route.drainFrom])])];
  const draining = [...options.queues.values()].some((route) => route.drainFrom.length > 0);
  /** Messages received from a backend a queue drains, by that backend (the others came from the queue's send backend). */
  const drainedFrom = new WeakMap<ReceivedMessage, Backend>();
  let closed: Promise<void> | undefined;
  const refuseClosed = () => {
    if (closed) throw new BackendClosedError({ backend: backend.name });
  };

  const backend: Backend = {
    specificationVersion: BACKEND_SPECIFICATION_VERSION,
    name: `routed(${[...new Set(all.map((each) => each.name))].join(", ")})`,
    capabilities: combinedCapabilities(
      all.map((each) => each.capabilities),
      draining,
    ),
    backendForQueue: (queue) => routeOf(queue).send,
    backendOfMessage: (message, queue) => drainedFrom.get(message) ?? routeOf(queue).send,
    destinationOf: (queue) => routeOf(queue).send.destinationOf?.(queue) ?? queue,
    // Every backend a queue is received from hears of it: its send backend and those it drains.
    receiveFrom(queues) {
      const stops: (() => void)[] = [];
      const stopAll = () => {
        for (const stop of stops.splice(0)) stop();
      };
      try {
        for (const queue of queues) for (const each of [routeOf(queue).send, ...routeOf(queue).drainFrom]) stops.push(each.receiveFrom?.([queue]) ?? (() => {}));
      } catch (error) {
        // The backends already told hear that it stopped: none is left counting a worker that never ran.
        stopAll();
        throw error;
      }
      return stopAll;
    },

    async enqueue(messages, callOptions) {
      refuseClosed();
      const parts = new Map<Backend, { message: OutgoingMessage; index: number }[]>();
      messages.forEach((message, index) => {
        const target = routeOf(message.queue).send;
        const part = parts.get(target) ?? [];
        part.push({ message, index });
        parts.set(target, part);
      });
      const results: EnqueueResult[] = new Array(messages.length);
      const settled = await Promise.allSettled(
        [...parts].map(async ([target, part]) => {
          const sent = await target.enqueue(
            part.map(({ message }) => message),
            callOptions,
          );
          part.forEach(({ index }, position) => (results[index] = sent[position]!));
        }),
      );
      const failures = settled.flatMap((outcome) => (outcome.status === "rejected" ? [outcome.reason as unknown] : []));
      // Nothing went anywhere: the same rejection a single backend gives.
      if (failures.length === settled.length) throw failures[0];
      // Some backends took their part: the others' messages fail one by one, so the caller knows which were sent.
      [...parts].forEach(([, part], partIndex) => {
        const outcome = settled[partIndex]!;
        if (outcome.status === "rejected") {
          const error = outcome.reason instanceof Error ? outcome.reason : new Error(String(outcome.reason));
          for (const { message, index } of part) results[index] = { status: "failed", id: message.id, error };
        }
      });
      return results;
    },

    async receive(receiveOptions: ReceiveOptions): Promise<ReceivedMessage[]> {
      refuseClosed();
      const route = routeOf(receiveOptions.queue);
      // Older backends first, without waiting: their jobs are the older ones, and an empty one costs a round trip.
      // One that fails (an old server already switched off) does not stop the queue's new jobs: its error is
      // raised only when the send backend had nothing either, so the worker still logs it and backs off.
      let drainFailure: unknown;
      for (const old of route.drainFrom) {
        const drained = await old.receive({ ...receiveOptions, waitMs: 0 }).catch((error: unknown) => {
          drainFailure ??= error;
          return [];
        });
        if (drained.length > 0) {
          for (const message of drained) drainedFrom.set(message, old);
          return drained;
        }
      }
      const received = await route.send.receive(receiveOptions);
      if (received.length === 0 && drainFailure !== undefined) throw drainFailure;
      return received;
    },

    ...(all.every((each) => each.stats) && {
      async stats(queue: string): Promise<QueueStats> {
        const route = routeOf(queue);
        const counts = await Promise.all([route.send, ...route.drainFrom].map((each) => each.stats!(queue)));
        return counts.reduce((sum, each) => ({ ready: sum.ready + each.ready, delayed: sum.delayed + each.delayed, inFlight: sum.inFlight + each.inFlight }));
      },
    }),

    ...(all.every((each) => each.takeScheduled) && {
      async takeScheduled(takeOptions: TakeScheduledOptions): Promise<ScheduledMessage[]> {
        refuseClosed();
        const route = routeOf(takeOptions.queue);
        for (const old of route.drainFrom) {
          const taken = await old.takeScheduled!(takeOptions);
          if (taken.length > 0) return taken;
        }
        return route.send.takeScheduled!(takeOptions);
      },
    }),

    // Records stay where the Hopper's own backend keeps them; a queue routed elsewhere writes them there too.
    ...(options.fallback.recordStore && { recordStore: () => options.fallback.recordStore!() }),

    close() {
      closed ??= Promise.all(options.owned.map((each) => each.close())).then(() => {});
      return closed;
    },
  };
  return backend;
}
