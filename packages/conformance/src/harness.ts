import { randomBytes } from "node:crypto";
import { createConsoleLogger, createHopper, type Hopper, type HopperOptions, type JobClass } from "@hopper/core";
import type { Backend, ReceivedMessage } from "@hopper/core/backend";

export function uniqueQueueName(label = "q"): string {
  const safeLabel = label.replace(/[^A-Za-z0-9]/g, "").slice(0, 16) || "q";
  return `c${safeLabel}-${Date.now().toString(36)}${randomBytes(3).toString("hex")}`;
}

/** Polls `predicate` until it holds; fails with `description` after `timeoutMs`. */
export async function waitFor(predicate: () => boolean | Promise<boolean>, description: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${description}`);
    await sleep(20);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Receives until `count` messages arrived or `timeoutMs` passed; returns what arrived, unacked. */
export async function receiveMessages(backend: Backend, queue: string, count: number, options: { leaseMs?: number; timeoutMs?: number } = {}): Promise<ReceivedMessage[]> {
  const leaseMs = Math.max(options.leaseMs ?? 30_000, backend.capabilities.minLeaseMs);
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  const received: ReceivedMessage[] = [];
  while (received.length < count && Date.now() < deadline) {
    const batch = await backend.receive({
      queue,
      maxMessages: Math.min(count - received.length, backend.capabilities.maxReceiveBatch),
      // Long enough for a near-max body to arrive within one poll on a loaded machine (a Pub/Sub pull that
      // outlives its wait is dropped, and its messages stay leased until their ack deadline).
      waitMs: Math.min(5000, Math.max(0, deadline - Date.now())),
      leaseMs,
    });
    received.push(...batch);
  }
  return received;
}

/** Receives for `windowMs` and fails if anything arrives. */
export async function expectNothingFor(backend: Backend, queue: string, windowMs: number): Promise<void> {
  const received = await receiveMessages(backend, queue, 1, { timeoutMs: windowMs });
  if (received.length > 0) throw new Error(`expected no message on ${queue} for ${windowMs} ms, got ${received.map((message) => message.id).join(", ")}`);
}

export function testHopper(backend: Backend, jobs: readonly JobClass[], options: Pick<HopperOptions, "connectTimeout"> = {}): Hopper {
  return createHopper({ backend, jobs, logger: createConsoleLogger(process.env.HOPPER_LOG_LEVEL ? undefined : "silent"), ...options });
}

/** Runs a worker until `done()` holds, then stops it. */
export async function runWorkerUntil(hopper: Hopper, options: { queues: string[]; concurrency?: number }, done: () => boolean, description: string, timeoutMs = 30_000): Promise<void> {
  const worker = hopper.worker({ queues: options.queues, concurrency: options.concurrency ?? 5, pollWait: 500, lease: "20s", handleSignals: false, newerVersionRetry: 300, newerVersionMaxHold: "1h" });
  const running = worker.run();
  try {
    await waitFor(done, description, timeoutMs);
  } finally {
    await worker.stop({ timeout: 5000 });
    await running;
  }
}

/** One `enqueue` call a counting backend passed on: its messages' ids and whether it carried a caller's transaction. */
export interface RecordedEnqueueCall {
  readonly ids: readonly string[];
  readonly transactional: boolean;
}

/** `backend` as it is, recording each `enqueue` call it passes on (round trips, in effect). */
export function countingBackend(backend: Backend): { backend: Backend; calls: RecordedEnqueueCall[] } {
  const calls: RecordedEnqueueCall[] = [];
  const counting: Backend = {
    specificationVersion: backend.specificationVersion,
    name: backend.name,
    capabilities: backend.capabilities,
    enqueue: (messages, options) => {
      calls.push({ ids: messages.map((message) => message.id), transactional: options?.transaction !== undefined });
      return backend.enqueue(messages, options);
    },
    receive: (options) => backend.receive(options),
    close: () => backend.close(),
    ...(backend.stats && { stats: (queue: string) => backend.stats!(queue) }),
  };
  return { backend: counting, calls };
}

/** The same backend, with each received message passed through `wrap`. */
export function interceptMessages(backend: Backend, wrap: (message: ReceivedMessage) => ReceivedMessage): Backend {
  return {
    specificationVersion: backend.specificationVersion,
    name: backend.name,
    capabilities: backend.capabilities,
    enqueue: (messages, options) => backend.enqueue(messages, options),
    receive: async (options) => (await backend.receive(options)).map(wrap),
    close: () => backend.close(),
  };
}

/** The same backend, counting the messages its receivers hold: received and not yet acked or nacked. */
export function countHeldMessages(backend: Backend): { readonly backend: Backend; held(): number; mostHeld(): number } {
  let held = 0;
  let mostHeld = 0;
  const settle = <T>(settled: { done: boolean }, operation: () => Promise<T>): Promise<T> => {
    if (!settled.done) {
      settled.done = true;
      held -= 1;
    }
    return operation();
  };
  const counted = interceptMessages(backend, (message) => {
    held += 1;
    mostHeld = Math.max(mostHeld, held);
    const settled = { done: false };
    return {
      id: message.id,
      body: message.body,
      deliveryAttempt: message.deliveryAttempt,
      ack: () => settle(settled, () => message.ack()),
      nack: (options) => settle(settled, () => message.nack(options)),
      extendLease: (leaseMs) => message.extendLease(leaseMs),
    };
  });
  return { backend: counted, held: () => held, mostHeld: () => mostHeld };
}
