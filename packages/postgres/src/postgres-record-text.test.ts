import { PGlite } from "@electric-sql/pglite";
import type { RecordStore } from "@hopper/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPostgresBackend } from "./postgres-backend.js";
import { createPostgresRecordStore } from "./postgres-record-store.js";
import { postgresUrl, throwawaySchema } from "./test-postgres-targets.js";

const url = postgresUrl();
/** Everything an array literal or a JSON text must escape, and text beyond the BMP. */
const awkward = `a "quoted", {braced} \\back\\slashed, NULL, 'single', tab\tnew\nline, é, 🦘`;
const identity = (id: string) => ({ id, job: `Job ${awkward}`, queue: `queue-${id}`, enqueuedAt: 1_700_000_000_000 });

function textCases(open: () => Promise<{ store: RecordStore; close(): Promise<void> }>): void {
  it("keeps record text as written, through the store's insert and settle", async () => {
    const { store, close } = await open();
    try {
      const id = `text-${Math.random().toString(36).slice(2)}`;
      await store.insert([{ ...identity(id), runAt: null, ttlMs: 60_000 }]);
      expect((await store.get(id))?.job).toBe(`Job ${awkward}`);
      const error = JSON.stringify({ name: "Error", message: awkward });
      await store.settle({ ...identity(id), state: "failed", attempt: 1, error, result: JSON.stringify(awkward), finishedAt: 1_700_000_000_500, ttlMs: 60_000 });
      const record = await store.get(id);
      expect(record).toMatchObject({ state: "failed", attempt: 1, error, result: JSON.stringify(awkward), finishedAt: 1_700_000_000_500, enqueuedAt: 1_700_000_000_000 });
    } finally {
      await close();
    }
  });

  it("stores a lone surrogate as U+FFFD, as a message's own text columns do, rather than failing the write", async () => {
    const { store, close } = await open();
    try {
      const id = `surrogate-${Math.random().toString(36).slice(2)}`;
      await store.insert([{ ...identity(id), job: "Job\ud800", runAt: null, ttlMs: 60_000 }]);
      expect((await store.get(id))?.job).toBe("Job\ufffd");
      await store.settle({ ...identity(id), job: "Job\ud800", state: "succeeded", attempt: 1, result: '"\udc00"', finishedAt: 1, ttlMs: 60_000 });
      expect(await store.get(id)).toMatchObject({ state: "succeeded", result: '"\ufffd"' });
    } finally {
      await close();
    }
  });
}

describe.skipIf(!url)("postgres: record text", () => {
  const schema = url ? throwawaySchema(url) : "";
  describe("the record store", () => textCases(async () => {
    const store = await createPostgresRecordStore({ connectionString: url!, schema, maxConnections: 2 });
    return { store, close: () => store.close() };
  }));
  // The backend's own store writes records with the same SQL pieces its enqueue and ack statements use.
  describe("the backend's own store", () => textCases(async () => {
    const backend = await createPostgresBackend({ connectionString: url!, schema, maxConnections: 2 });
    const store = backend.recordStore!();
    return { store, close: async () => { await store.close(); await backend.close(); } };
  }));
});

describe.skipIf(!url)("postgres: record text through enqueue, claim and ack", () => {
  const schema = url ? throwawaySchema(url) : "";
  it("keeps the text an ack's record carries, written by the ack's own statement", async () => {
    const backend = await createPostgresBackend({ connectionString: url!, schema, maxConnections: 2 });
    const store = backend.recordStore!();
    try {
      const id = `ack-${Math.random().toString(36).slice(2)}`;
      const { job, queue, enqueuedAt } = identity(id);
      await backend.enqueue([{ id, queue, body: "{}", record: { ...identity(id), runAt: null, ttlMs: 60_000 } }]);
      const [message] = await backend.receive({ queue, maxMessages: 1, waitMs: 0, leaseMs: 30_000, records: { ttlMs: 60_000 } });
      expect(message?.record).toBe("running");
      const error = JSON.stringify({ name: "Error", message: awkward });
      await message!.ack({ record: { id, job, queue, enqueuedAt, state: "dead", attempt: 1, error, finishedAt: 1_700_000_000_900, ttlMs: 60_000 } });
      expect(await store.get(id)).toMatchObject({ job, queue, state: "dead", attempt: 1, error, result: null, finishedAt: 1_700_000_000_900 });
    } finally {
      await store.close();
      await backend.close();
    }
  });
});

describe("pglite: record text", () => {
  let database: PGlite;
  beforeAll(async () => {
    database = await PGlite.create();
  });
  afterAll(async () => {
    await database?.close();
  });
  textCases(async () => {
    const store = await createPostgresRecordStore({ pglite: database, schema: "hopper" });
    return { store, close: () => store.close() };
  });
});
