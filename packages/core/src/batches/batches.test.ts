import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { decodeEnvelope } from "../envelope/envelope.js";
import { ConfigurationError } from "../errors/configuration-error.js";
import { createMemoryCoordinationStore } from "../coordination/memory-coordination-store.js";
import type { CoordinationStore } from "../coordination/coordination-store.js";
import { createHopper, type Hopper } from "../hopper.js";
import { Job, type JobContext } from "../job.js";
import { createConsoleLogger } from "../logger.js";
import { refusedBatchJobs, takeAll } from "../test-fixtures/batch-jobs.js";
import { createMemoryBackend } from "../memory/memory-backend.js";

const hoppers: Hopper[] = [];
afterEach(async () => {
  await Promise.all(hoppers.splice(0).map((hopper) => hopper.close()));
});
const logger = createConsoleLogger("silent");

/** A memory store that notes the key of every call, so a test can tell which calls a run made. */
function countingStore(): { store: CoordinationStore; keys: string[] } {
  const inner = createMemoryCoordinationStore();
  const keys: string[] = [];
  const store = new Proxy(inner, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== "function" || property === "close" || property === "now") return value;
      return (key: string, ...rest: unknown[]) => {
        keys.push(key);
        return (value as (...args: unknown[]) => unknown).call(target, key, ...rest);
      };
    },
  });
  return { store, keys };
}

function jobsOn(queue: string) {
  const runs: string[] = [];
  class Plain extends Job<{ n: number }> {
    static override queue = queue;
    static override jobName = `${queue}-plain`;
    async perform({ n }: { n: number }, context: JobContext) {
      runs.push(`plain:${n}:${context.batch === undefined ? "none" : "batch"}`);
    }
  }
  class Done extends Job<{ kind: string }> {
    static override queue = queue;
    static override jobName = `${queue}-done`;
    async perform({ kind }: { kind: string }) {
      runs.push(`done:${kind}`);
    }
  }
  return { runs, Plain, Done, ...refusedBatchJobs(queue) };
}


describe("batches", () => {
  it("a job outside any batch makes no batch call to the store; a batch's job does", async () => {
    const queue = `batch-cost-${randomUUID().slice(0, 8)}`;
    const { store, keys } = countingStore();
    const { runs, Plain, Done } = jobsOn(queue);
    const hopper = createHopper({ backend: createMemoryBackend({ store: queue }), jobs: [Plain, Done], logger, coordination: store });
    hoppers.push(hopper);
    await Plain.performLater({ n: 1 });
    const [plain] = await takeAll(hopper, queue);
    const before = keys.length;
    expect(await hopper.runMessage({ queue, body: plain!.body, id: plain!.id, deliveryAttempt: 1 })).toEqual({ status: "done" });
    expect(runs).toEqual(["plain:1:none"]);
    expect(keys.slice(before).filter((key) => key.startsWith("hopper:batch:"))).toEqual([]);

    const batch = await hopper.batch({ onComplete: [Done, { kind: "complete" }] });
    await batch.addAll(Plain, [{ n: 2 }, { n: 3 }]);
    await batch.seal();
    const [first, last] = await takeAll(hopper, queue);
    const batchKeys = (from: number) => keys.slice(from).filter((key) => key.startsWith(`hopper:batch:${batch.id}:`));
    let from = keys.length;
    await hopper.runMessage({ queue, body: first!.body, id: first!.id, deliveryAttempt: 1 });
    // Not the last: its outcome into done, out of pending, and one read of pending.
    expect(batchKeys(from)).toEqual([`hopper:batch:${batch.id}:done`, `hopper:batch:${batch.id}:pending`, `hopper:batch:${batch.id}:pending`]);
    from = keys.length;
    await hopper.runMessage({ queue, body: last!.body, id: last!.id, deliveryAttempt: 1 });
    // The last: the same three, then the options and outcomes, the claim and the mark (the callback's send is the backend's).
    expect(batchKeys(from).sort()).toEqual(
      [`done`, `pending`, `pending`, `info`, `done`, `claim:onComplete`, `info`].map((part) => `hopper:batch:${batch.id}:${part}`).sort(),
    );
    expect(runs).toEqual(["plain:1:none", "plain:2:batch", "plain:3:batch"]);
  });

  it("a job delivered twice counts once, and its callback is enqueued once", async () => {
    const queue = `batch-twice-${randomUUID().slice(0, 8)}`;
    const { runs, Plain, Done } = jobsOn(queue);
    const hopper = createHopper({ backend: createMemoryBackend({ store: queue }), jobs: [Plain, Done], logger });
    hoppers.push(hopper);
    const batch = await hopper.batch({ onSuccess: [Done, { kind: "success" }], onComplete: [Done, { kind: "complete" }] });
    const id = await batch.add(Plain, { n: 7 });
    await batch.seal();
    const [message] = await takeAll(hopper, queue);
    // The same body run twice: a redelivery after a crash before the ack, or a duplicate delivery.
    await hopper.runMessage({ queue, body: message!.body, id: message!.id, deliveryAttempt: 1 });
    await hopper.runMessage({ queue, body: message!.body, id: message!.id, deliveryAttempt: 2 });
    expect(runs).toEqual(["plain:7:batch", "plain:7:batch"]);
    expect(await batch.status()).toMatchObject({ total: 1, pending: 0, succeeded: 1, sealed: true, callbacks: { onSuccess: "enqueued", onComplete: "enqueued" } });
    const callbacks = await takeAll(hopper, queue);
    expect(callbacks.map((each) => (decodeEnvelope(each.body).args as { kind: string }).kind).sort()).toEqual(["complete", "success"]);
    expect(callbacks.map((each) => decodeEnvelope(each.body).id)).not.toContain(id);

    // A callback's copy sent twice (a crash between its enqueue and its mark) succeeds once.
    const onComplete = callbacks.find((each) => (decodeEnvelope(each.body).args as { kind: string }).kind === "complete")!;
    await hopper.runMessage({ queue, body: onComplete.body, id: onComplete.id, deliveryAttempt: 1 });
    await hopper.runMessage({ queue, body: onComplete.body, id: onComplete.id, deliveryAttempt: 1 });
    expect(runs.filter((run) => run === "done:complete")).toEqual(["done:complete"]);
    expect((await batch.status()).callbacks.onComplete).toBe("succeeded");
  });

  it("an empty batch, once sealed, enqueues both callbacks at once", async () => {
    const queue = `batch-empty-${randomUUID().slice(0, 8)}`;
    const { Plain, Done } = jobsOn(queue);
    const hopper = createHopper({ backend: createMemoryBackend({ store: queue }), jobs: [Plain, Done], logger });
    hoppers.push(hopper);
    const batch = await hopper.batch({ onSuccess: [Done, { kind: "success" }], onComplete: [Done, { kind: "complete" }] });
    expect(await batch.status()).toMatchObject({ sealed: false, total: 0, callbacks: { onSuccess: "waiting", onComplete: "waiting" } });
    // Not sealed: nothing fires yet.
    expect(await takeAll(hopper, queue)).toEqual([]);
    await batch.seal();
    await batch.seal();
    // Added after the callbacks fired, a job would never be waited for: refused.
    const late = await batch.add(Plain, { n: 1 }).then(() => undefined, (caught: unknown) => caught);
    expect(ConfigurationError.isInstance(late) && late.field).toBe("batch");
    expect(await batch.status()).toMatchObject({ sealed: true, total: 0, pending: 0, callbacks: { onSuccess: "enqueued", onComplete: "enqueued" } });
    expect((await takeAll(hopper, queue)).map((each) => (decodeEnvelope(each.body).args as { kind: string }).kind).sort()).toEqual(["complete", "success"]);
  });

  it("refuses bad options at creation, naming the field", async () => {
    const queue = `batch-bad-${randomUUID().slice(0, 8)}`;
    const { Plain, Done, Unique, NotRegistered } = jobsOn(queue);
    const hopper = createHopper({ backend: createMemoryBackend({ store: queue }), jobs: [Plain, Done, Unique], logger });
    hoppers.push(hopper);
    const refusal = async (promise: Promise<unknown>) => {
      const error = await promise.then(() => undefined, (caught: unknown) => caught);
      expect(ConfigurationError.isInstance(error)).toBe(true);
      return (error as ConfigurationError).field;
    };
    expect(await refusal(hopper.batch({ onSuccess: [NotRegistered, {}] }))).toBe("batch.onSuccess");
    expect(await refusal(hopper.batch({ onComplete: [NotRegistered, {}] }))).toBe("batch.onComplete");
    expect(await refusal(hopper.batch({ onComplete: Done as never }))).toBe("batch.onComplete");
    expect(await refusal(hopper.batch({ onFinish: [Done, { kind: "x" }] } as never))).toBe("batch.onFinish");
    expect(await refusal(hopper.batch({ description: 42 as never }))).toBe("batch.description");
    const batch = await hopper.batch({});
    expect(await refusal(batch.add(Unique, { n: 1 }))).toBe(`${queue}-unique.unique`);
    expect(await refusal(batch.add(Plain, { n: 1 }, { dedupeKey: "k" } as never))).toBe("options.dedupeKey");
    // Counted pending outside the caller's transaction: a rollback left the batch waiting for a job that never existed.
    expect(await refusal(batch.add(Plain, { n: 1 }, { transaction: {} } as never))).toBe("options.transaction");
    // A unique callback is dropped while another job holds its key: the batch would wait for ever on it.
    expect(await refusal(hopper.batch({ onSuccess: [Unique, { n: 1 }] }))).toBe(`${queue}-unique.unique`);
    expect(await refusal(hopper.chain([Plain, { n: 1 }], [Unique, { n: 2 }]))).toBe(`${queue}-unique.unique`);
    expect(await refusal(batch.add(NotRegistered, {}))).toBe("jobs");
    expect(() => hopper.batches.get("not-a-batch")).toThrow(ConfigurationError);
    // Nothing refused was left pending.
    expect(await batch.status()).toMatchObject({ total: 0, pending: 0 });
  });

  it("refuses an empty chain and an unregistered step at creation, naming the field", async () => {
    const queue = `chain-bad-${randomUUID().slice(0, 8)}`;
    const { Plain, NotRegistered } = jobsOn(queue);
    const hopper = createHopper({ backend: createMemoryBackend({ store: queue }), jobs: [Plain], logger });
    hoppers.push(hopper);
    const fieldOf = async (promise: Promise<unknown>) => {
      const error = await promise.then(() => undefined, (caught: unknown) => caught);
      expect(ConfigurationError.isInstance(error)).toBe(true);
      return (error as ConfigurationError).field;
    };
    expect(await fieldOf(hopper.chain())).toBe("chain");
    expect(await fieldOf(hopper.chain([Plain, { n: 1 }], [NotRegistered, {}]))).toBe("chain[1]");
    // Nothing was sent for a refused chain.
    expect(await takeAll(hopper, queue)).toEqual([]);
  });

  it("refuses batches on a backend with no shared store of its own when no coordination store is given (SQS, Pub/Sub)", async () => {
    const queue = `batch-nostore-${randomUUID().slice(0, 8)}`;
    const { Plain, Done } = jobsOn(queue);
    // A backend that is not process-local and names no store: what SQS and Pub/Sub are to the core.
    const backend = createMemoryBackend({ store: queue, capabilities: { processLocal: false } });
    const hopper = createHopper({ backend, jobs: [Plain, Done], logger });
    hoppers.push(hopper);
    const error = await hopper.batch({ onComplete: [Done, { kind: "complete" }] }).then(() => undefined, (caught: unknown) => caught);
    expect(ConfigurationError.isInstance(error)).toBe(true);
    expect((error as ConfigurationError).field).toBe("coordination");
    expect((error as Error).message).toMatch(/batches need a store every process shares/);
  });
});
