import { BACKEND_SPECIFICATION_VERSION, type Backend, type BackendCapabilities, type OutgoingMessage } from "../backend/backend.js";
import { BackendClosedError } from "../errors/backend-closed-error.js";
import { MEMORY_CAPABILITIES } from "../memory/memory-backend.js";
import { MemoryQueue } from "../memory/memory-queue.js";
import { createMemoryRecordStore } from "../records/memory-record-store.js";

/** The test backend plus what the test Hopper needs to drive it. */
export interface TestBackend extends Backend {
  /** Queues with something pending, sorted by name. */
  queueNames(): string[];
  /** Leases the next ready message of `queue` at the test clock's now. */
  takeNext(queue: string): { id: string; body: string; deliveries: number; ack(): void; nack(retryAfterMs: number): void } | undefined;
  /** The earliest moment, after now, at which a delayed message becomes ready. */
  nextReadyAt(): number | undefined;
}

/**
 * The memory backend's queues on the test clock: delays, priorities, ordering
 * keys and dedupe keys behave as on memory://, but time moves only when the
 * test moves it. `onEnqueue` sees every message sent.
 */
export function createTestBackend(options: { nowMs: () => number; capabilities?: Partial<BackendCapabilities>; onEnqueue: (message: OutgoingMessage, atMs: number) => void }): TestBackend {
  // The queues live in this process, so coordination may too.
  const capabilities: BackendCapabilities = { ...MEMORY_CAPABILITIES, ...options.capabilities, processLocal: true };
  const queues = new Map<string, MemoryQueue>();
  let closed = false;
  const queueNamed = (name: string) => {
    let queue = queues.get(name);
    if (!queue) queues.set(name, (queue = new MemoryQueue()));
    return queue;
  };
  const ensureOpen = () => {
    if (closed) throw new BackendClosedError({ backend: "test" });
  };
  // Held by performEnqueued only while a job runs inline; long, so its expiry never looks like something due.
  const leaseMs = 365 * 24 * 3_600_000;

  return {
    specificationVersion: BACKEND_SPECIFICATION_VERSION,
    name: "test",
    capabilities,
    async enqueue(messages) {
      ensureOpen();
      const now = options.nowMs();
      return messages.map((message) => {
        const result = queueNamed(message.queue).enqueue(message, now);
        if (result.status === "enqueued") options.onEnqueue(message, now);
        return result;
      });
    },
    async receive(receiveOptions) {
      ensureOpen();
      const queue = queueNamed(receiveOptions.queue);
      const taken = queue.take(receiveOptions.maxMessages, receiveOptions.leaseMs, options.nowMs(), { queue, nowMs: options.nowMs, leaseFrom: undefined, countsDeliveries: capabilities.deliveryAttempts });
      // The test clock does not move by itself: a worker polling here waits a little in real time instead of spinning.
      if (taken.length === 0 && receiveOptions.waitMs > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(receiveOptions.waitMs, 20)));
      return taken;
    },
    async stats(queue) {
      return queueNamed(queue).stats(options.nowMs());
    },
    // Retention runs on the test clock too.
    recordStore: () => createMemoryRecordStore({ now: options.nowMs }),
    async close() {
      closed = true;
    },
    queueNames: () => [...queues.keys()].sort(),
    takeNext(name) {
      const queue = queueNamed(name);
      const [message] = queue.take(1, leaseMs, options.nowMs(), { queue, nowMs: options.nowMs, leaseFrom: undefined, countsDeliveries: true });
      if (!message) return undefined;
      return {
        id: message.id,
        body: message.body,
        deliveries: message.deliveries,
        ack: () => queue.ack(message, options.nowMs()),
        nack: (retryAfterMs) => queue.nack(message, retryAfterMs, options.nowMs()),
      };
    },
    nextReadyAt() {
      const times = [...queues.values()].map((queue) => queue.nextChangeAt()).filter((time): time is number => time !== undefined);
      return times.length > 0 ? Math.min(...times) : undefined;
    },
  };
}
