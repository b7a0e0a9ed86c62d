import { randomUUID } from "node:crypto";
import { expect, it } from "vitest";
import { ConfigurationError, type RecordStore, type StoredJobRecord } from "@hopper/core";
import { sleep } from "../harness.js";

const day = 86_400_000;

/** Every page of `query`, following `next` until null; fails if it loops. */
async function allPages(store: RecordStore, query: Parameters<NonNullable<RecordStore["list"]>>[0]): Promise<{ pages: StoredJobRecord[][] }> {
  const pages: StoredJobRecord[][] = [];
  let after: string | undefined;
  for (let page = 0; page < 100; page += 1) {
    const { records, next } = await store.list!({ ...query, ...(after !== undefined && { after }) });
    pages.push(records);
    if (next === null) return { pages };
    after = next;
  }
  throw new Error("list never ended");
}

/**
 * `list` and `remove`, for stores that declare them (a store without `list`: `hopper.jobs.list` refuses,
 * shown in records.test.ts). Each test uses a queue of its own: the server is shared with other tests.
 */
export function recordListingScenarios(open: () => Promise<RecordStore>, canList: boolean): void {
  const identity = (queue: string, job = "SendEmail") => ({ id: randomUUID(), job, queue, enqueuedAt: 1_700_000_000_123 });

  it("lists one finished state newest first, by queue and job, page after page, ties included", async () => {
    const store = await open();
    if (!canList) return void expect(store.list).toBeUndefined();
    const queue = `list-${randomUUID()}`;
    const base = Date.now();
    // Three jobs finish in the same millisecond: the cursor must split them without losing or repeating one.
    const finished = [base - 5, base - 4, base - 4, base - 4, base - 3, base - 2, base - 1];
    const dead = finished.map((at, index) => ({ ...identity(queue, index % 2 === 0 ? "SendEmail" : "ChargeCard"), at }));
    for (const job of dead) await store.settle({ ...job, state: "dead", attempt: 3, error: '{"name":"E","message":"m"}', finishedAt: job.at, ttlMs: day });
    const succeeded = identity(queue);
    await store.settle({ ...succeeded, state: "succeeded", attempt: 1, result: "1", finishedAt: base, ttlMs: day });
    const waiting = identity(queue);
    await store.insert([{ ...waiting, runAt: null, ttlMs: day }]);
    const elsewhere = identity(`${queue}-other`);
    await store.settle({ ...elsewhere, state: "dead", attempt: 1, finishedAt: base, ttlMs: day });

    const { pages } = await allPages(store, { state: "dead", queue, limit: 2 });
    const listed = pages.flat();
    expect(pages.every((page) => page.length <= 2)).toBe(true);
    expect(listed.map((record) => record.id).sort()).toEqual(dead.map((job) => job.id).sort());
    expect(listed.map((record) => record.finishedAt)).toEqual([...finished].sort((a, b) => b - a));
    expect(listed[0]).toMatchObject({ state: "dead", queue, attempt: 3, error: '{"name":"E","message":"m"}' });

    const cards = (await allPages(store, { state: "dead", queue, job: "ChargeCard", limit: 50 })).pages.flat();
    expect(cards.map((record) => record.id).sort()).toEqual(dead.filter((job) => job.job === "ChargeCard").map((job) => job.id).sort());
    expect((await store.list!({ state: "succeeded", queue, limit: 50 })).records.map((record) => record.id)).toEqual([succeeded.id]);
    // Unfiltered, the other queue's dead job is there too, among everything else on the shared server.
    const everyQueue = (await allPages(store, { state: "dead", limit: 500 })).pages.flat().map((record) => record.id);
    expect(everyQueue).toContain(elsewhere.id);
    expect(everyQueue).not.toContain(waiting.id);
  });

  it("moves a record out of the listing when its state changes, and forgets removed ones", async () => {
    const store = await open();
    if (!canList) return void expect(store.list).toBeUndefined();
    const queue = `list-${randomUUID()}`;
    const [retried, cancelled, removed] = [identity(queue), identity(queue), identity(queue)];
    for (const job of [retried, removed]) await store.settle({ ...job, state: "dead", attempt: 2, finishedAt: Date.now(), ttlMs: day });
    // A dead letter retried: its record runs again, then succeeds.
    await store.start({ ...retried, attempt: 1, startedAt: Date.now(), ttlMs: day });
    expect((await store.list!({ state: "dead", queue, limit: 50 })).records.map((record) => record.id)).toEqual([removed.id]);
    await store.settle({ ...retried, state: "succeeded", attempt: 1, result: "1", finishedAt: Date.now(), ttlMs: day });
    expect((await store.list!({ state: "succeeded", queue, limit: 50 })).records.map((record) => record.id)).toEqual([retried.id]);
    await store.insert([{ ...cancelled, runAt: null, ttlMs: day }]);
    await store.cancel(cancelled.id, { now: Date.now(), ttlMs: day });
    expect((await store.list!({ state: "cancelled", queue, limit: 50 })).records.map((record) => record.id)).toEqual([cancelled.id]);

    await store.remove!([removed.id, randomUUID()]);
    expect(await store.get(removed.id)).toBeUndefined();
    expect(await store.list!({ state: "dead", queue, limit: 50 })).toEqual({ records: [], next: null });
  });

  it("never lists an expired record", async () => {
    const store = await open();
    if (!canList) return void expect(store.list).toBeUndefined();
    const queue = `list-${randomUUID()}`;
    const [short, kept] = [identity(queue), identity(queue)];
    await store.settle({ ...short, state: "dead", attempt: 1, finishedAt: Date.now(), ttlMs: 300 });
    await store.settle({ ...kept, state: "dead", attempt: 1, finishedAt: Date.now() - 1, ttlMs: day });
    await sleep(600);
    expect((await store.list!({ state: "dead", queue, limit: 50 })).records.map((record) => record.id)).toEqual([kept.id]);
  });

  it("refuses a cursor it did not make, naming the field", async () => {
    const store = await open();
    if (!canList) return void expect(store.list).toBeUndefined();
    for (const after of ["not a cursor", Buffer.from('["x","y"]').toString("base64url"), "x".repeat(5000)]) {
      await expect(store.list!({ state: "dead", limit: 5, after })).rejects.toSatisfy((error: unknown) => ConfigurationError.isInstance(error) && error.field === "after");
    }
  });
}
