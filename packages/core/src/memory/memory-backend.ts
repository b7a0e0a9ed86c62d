import { BACKEND_SPECIFICATION_VERSION, type Backend, type BackendCapabilities, type ReceiveOptions } from "../backend/backend.js";
import { BackendClosedError } from "../errors/backend-closed-error.js";
import { MemoryQueue } from "./memory-queue.js";
import { createMemoryRecordStore } from "../records/memory-record-store.js";

const unlimitedMs = Number.MAX_SAFE_INTEGER;

/** Everything the memory backend can do. Tests may declare less to exercise the core's fallbacks. */
export const MEMORY_CAPABILITIES: BackendCapabilities = {
  maxBatchSize: 1000,
  // Kept at SQS's limit so memory-backed tests catch oversized payloads early.
  maxPayloadBytes: 1024 * 1024,
  maxReceiveBatch: 1000,
  delayedDelivery: { maxDelayMs: unlimitedMs },
  nackDelay: { maxDelayMs: unlimitedMs },
  priority: true,
  ordering: true,
  deduplication: true,
  leaseExtension: { maxLeaseMs: unlimitedMs },
  minLeaseMs: 1,
  deliveryAttempts: true,
  uncountedNack: true,
  nackBody: true,
  reportsLostLease: true,
  processLocal: true,
  takeScheduled: true,
};

export interface MemoryBackendOptions {
  /** Backends created with the same store name share queues within the process. Default "default". */
  readonly store?: string;
  /** Declare fewer capabilities than the memory backend has (for testing the core's fallbacks). */
  readonly capabilities?: Partial<BackendCapabilities>;
}

type Store = Map<string, MemoryQueue>;
const stores = new Map<string, Store>();

/** The in-process reference backend: complete, and the default for tests and `memory://`. */
export function createMemoryBackend(options: MemoryBackendOptions = {}): Backend {
  const storeName = options.store ?? "default";
  const store = stores.get(storeName) ?? new Map<string, MemoryQueue>();
  stores.set(storeName, store);
  const capabilities: BackendCapabilities = { ...MEMORY_CAPABILITIES, ...options.capabilities };
  const closing = new AbortController();

  const queueNamed = (name: string): MemoryQueue => {
    let queue = store.get(name);
    if (!queue) {
      queue = new MemoryQueue();
      store.set(name, queue);
    }
    return queue;
  };
  const ensureOpen = () => {
    if (closing.signal.aborted) throw new BackendClosedError({ backend: "memory" });
  };

  return {
    specificationVersion: BACKEND_SPECIFICATION_VERSION,
    name: "memory",
    capabilities,

    async enqueue(messages) {
      ensureOpen();
      const now = Date.now();
      return messages.map((message) => queueNamed(message.queue).enqueue(message, now));
    },

    async receive(receiveOptions: ReceiveOptions) {
      ensureOpen();
      const queue = queueNamed(receiveOptions.queue);
      const deadline = Date.now() + receiveOptions.waitMs;
      for (;;) {
        const now = Date.now();
        const taken = queue.take(receiveOptions.maxMessages, receiveOptions.leaseMs, now, { queue, nowMs: Date.now, leaseFrom: now, countsDeliveries: capabilities.deliveryAttempts });
        if (taken.length > 0) return taken;
        if (now >= deadline || receiveOptions.signal?.aborted || closing.signal.aborted) return [];
        await waitForChange(queue, Math.min(deadline, queue.nextChangeAt() ?? deadline) - now, [receiveOptions.signal, closing.signal]);
      }
    },

    async takeScheduled(takeOptions) {
      ensureOpen();
      const queue = queueNamed(takeOptions.queue);
      return queue.takeScheduled(takeOptions.maxMessages, takeOptions.leaseMs, Date.now(), { queue, nowMs: Date.now, leaseFrom: undefined, countsDeliveries: capabilities.deliveryAttempts });
    },

    async stats(queue) {
      return queueNamed(queue).stats(Date.now());
    },

    // Shared as the queues are: backends on one store name see one set of records.
    recordStore: () => createMemoryRecordStore({ store: storeName }),

    async close() {
      closing.abort();
    },
  };
}

/** Resolves when the queue may have something ready, after `timeoutMs`, or on abort. */
function waitForChange(queue: MemoryQueue, timeoutMs: number, signals: readonly (AbortSignal | undefined)[]): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      unsubscribe();
      for (const signal of signals) signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, Math.max(0, timeoutMs));
    const unsubscribe = queue.onChange(done);
    for (const signal of signals) signal?.addEventListener("abort", done, { once: true });
  });
}
