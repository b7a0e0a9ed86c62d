import { describe, expect, it } from "vitest";
import { createMemoryCoordinationStore } from "../coordination/memory-coordination-store.js";
import { ConfigurationError } from "../errors/configuration-error.js";
import type { Envelope } from "../envelope/envelope.js";
import { JobRegistry } from "../job-registry.js";
import { createConsoleLogger } from "../logger.js";
import { Job, type JobClass } from "../job.js";
import type { JobRecords } from "../records/job-records.js";
import { BATCH_META_KEY, BatchBook } from "./batches.js";

/**
 * A batch's state lives `keepMs` after its last write, all of it: entries written once (its options, `#open`, a
 * member pending in a long queue) are held with every later write. Here `keepMs` is 400 ms, so real time stands in
 * for the 7 days a hopper keeps; each step comes well inside `keepMs` of the one before, and the batch outlives it.
 */
const keepMs = 400;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

class Member extends Job<{ n: number }> {
  static override jobName = "expiry-member";
  async perform() {}
}
class Callback extends Job<{ kind: string }> {
  static override jobName = "expiry-callback";
  async perform() {}
}

function book() {
  const sent: { job: string; ids: readonly string[]; delayed: boolean }[] = [];
  const batches = new BatchBook({
    coordination: createMemoryCoordinationStore(),
    registry: new JobRegistry([Member as JobClass, Callback as JobClass]),
    keepMs,
    jobs: {} as JobRecords,
    recordsOn: false,
    logger: createConsoleLogger("silent"),
    async enqueue(definition, _argsList, options, _meta, ids) {
      sent.push({ job: definition.name, ids, delayed: options.wait !== undefined });
      return [...ids];
    },
  });
  const finish = (batchId: string, id: string, outcome: "succeeded" | "failed" = "succeeded") => batches.finished(memberEnvelope(batchId, id), outcome);
  const callbacks = () => sent.filter((each) => each.job === "expiry-callback").length;
  return { batches, sent, finish, callbacks };
}

function memberEnvelope(batchId: string, id: string): Envelope {
  return { id, job: "expiry-member", args: { n: 0 }, meta: { [BATCH_META_KEY]: batchId } } as unknown as Envelope;
}

describe("a batch's state while it runs", () => {
  it("keeps a member pending past its entry's own ttl, so the batch neither ends early nor loses its callback", async () => {
    const { batches, finish, callbacks } = book();
    const batch = await batches.create({ onSuccess: [Callback, { kind: "success" }] });
    const [a, b, c] = await batch.addAll(Member, [{ n: 1 }, { n: 2 }, { n: 3 }]);
    await batch.seal();
    await sleep(300);
    await finish(batch.id, a!);
    await sleep(300);
    // 600 ms after c and the options were written: held by a's finish.
    await finish(batch.id, b!);
    expect(callbacks()).toBe(0);
    expect(await batch.status()).toMatchObject({ pending: 1, succeeded: 2, sealed: true });
    await sleep(300);
    await finish(batch.id, c!);
    expect(callbacks()).toBe(1);
  });

  it("holds a member added with a delay longer than keepMs until it runs", async () => {
    const { batches, sent, finish, callbacks } = book();
    const batch = await batches.create({ onComplete: [Callback, { kind: "complete" }] });
    const [later] = await batch.addAll(Member, [{ n: 1 }], { wait: "1s" });
    expect(sent[0]).toMatchObject({ delayed: true });
    await batch.seal();
    // Nothing is written for 1.2 s, three times keepMs; the delayed member runs then.
    await sleep(1_200);
    expect(await batch.status()).toMatchObject({ pending: 1 });
    await finish(batch.id, later!);
    expect(callbacks()).toBe(1);
  });

  it("expires whole once nothing was written for keepMs", async () => {
    const { batches } = book();
    const batch = await batches.create({});
    await batch.addAll(Member, [{ n: 1 }]);
    await sleep(keepMs * 2 + 200);
    await expect(batch.status()).rejects.toThrow(/never created, or expired/);
  });

  it("keeps a member's success when a later copy of it ends otherwise (a duplicate delivery)", async () => {
    const { batches, finish, callbacks } = book();
    const batch = await batches.create({ onSuccess: [Callback, { kind: "success" }] });
    const [a, b] = await batch.addAll(Member, [{ n: 1 }, { n: 2 }]);
    await batch.seal();
    await finish(batch.id, a!, "succeeded");
    // The duplicate of a, discarded after the first copy succeeded.
    await finish(batch.id, a!, "failed");
    expect(await batch.status()).toMatchObject({ succeeded: 1, failed: 0, pending: 1 });
    await finish(batch.id, b!);
    expect(callbacks()).toBe(1);
  });

  it("refuses a job added from outside once the batch is sealed, through any handle, and to a batch that never was", async () => {
    const { batches, finish, callbacks } = book();
    const batch = await batches.create({ onComplete: [Callback, { kind: "complete" }] });
    const [a] = await batch.addAll(Member, [{ n: 1 }]);
    await batch.seal();
    await finish(batch.id, a!);
    expect(callbacks()).toBe(1);
    // Another process's handle, after the callbacks fired: the job would never be waited for.
    const late = batches.get(batch.id).add(Member, { n: 2 });
    await expect(late).rejects.toThrow(ConfigurationError);
    await expect(late).rejects.toThrow(/is sealed/);
    await expect(batches.get("00000000-0000-4000-8000-000000000000").add(Member, { n: 3 })).rejects.toThrow(/is sealed \(or expired\)/);
    expect(await batch.status()).toMatchObject({ total: 1, pending: 0 });
  });

  it("keeps a parent whole while its child batch runs longer than keepMs", async () => {
    const { batches, finish, callbacks } = book();
    const parent = await batches.create({ onSuccess: [Callback, { kind: "parent" }] });
    const [creator] = await parent.addAll(Member, [{ n: 0 }]);
    await parent.seal();
    const child = await batches.createChild(parent.id, creator!, 0, {});
    const ids = await child.addAll(Member, [{ n: 1 }, { n: 2 }, { n: 3 }]);
    await child.seal();
    await finish(parent.id, creator!);
    // Only the child is written to from here on, for 900 ms.
    for (const id of ids) {
      await sleep(300);
      await finish(child.id, id);
    }
    expect(await child.status()).toMatchObject({ succeeded: 3, pending: 0 });
    expect(await parent.status()).toMatchObject({ children: { ids: [child.id], pending: 0, succeeded: 1 } });
    expect(callbacks()).toBe(1);
  });
});
