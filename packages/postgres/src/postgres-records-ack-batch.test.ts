import type { SettledRecord } from "@hopper/core";
import type { ReceivedMessage } from "@hopper/core/backend";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { openPostgresBackend, type RecordLayout } from "./postgres-backend.js";
import { createPgExecutor } from "./postgres-executor.js";
import { postgresUrl, throwawaySchema } from "./test-postgres-targets.js";

const url = postgresUrl();

/**
 * One ack statement settles many records, each from its own token's values: the statement takes a record's queue
 * (and id, unless the record names another) from the row its token deleted and the rest from per-record parameters
 * read by place (operations/acked-records.ts), so a record given a neighbour's values would show here. Both layouts:
 * unfinished records in message rows (this release's), and in job_records rows (releases before migration 5).
 */
describe.skipIf(!url).each<RecordLayout>([{ messageRows: true }, { messageRows: false }])("postgres: an ack batch settling records (%o)", (layout) => {
  const schema = url ? throwawaySchema(url) : "";

  it("settles each record of one ack statement with its own values, and none for a stale token", { timeout: 60_000 }, async () => {
    const backend = await openPostgresBackend(createPgExecutor(new pg.Pool({ connectionString: url!, max: 3 }), { ownsPool: true }), "postgres", { schema }, layout);
    const queue = "ack-batch-records";
    const jobs: Record<string, string> = { a: "Plain", b: 'Quoted"Job\\Name', c: "Plain", d: "Plain", e: "Plain", early: "Plain", later: "Plain", other: "Plain", twice: "Plain", stale: "Plain" };
    const enqueuedAt = (id: string) => (id === "early" ? -1 : 1_700_000_000_000 + id.charCodeAt(0));
    const finishedAt = (id: string) => 1_800_000_000_000 + id.charCodeAt(0);
    const receive = (maxMessages: number) => backend.receive({ queue, maxMessages, waitMs: 1000, leaseMs: 60_000, records: { ttlMs: 60_000 } });
    try {
      await backend.enqueue(
        Object.entries(jobs).map(([id, job]) => ({ id, queue, body: id, record: { id, job, queue, enqueuedAt: enqueuedAt(id), runAt: null, ttlMs: Number.MAX_SAFE_INTEGER } })),
      );
      const first = await receive(20);
      expect(first.map((message) => message.id).sort()).toEqual(Object.keys(jobs).sort());
      const byId = new Map(first.map((message) => [message.id, message]));
      // "stale" is delivered again: its first delivery's token is stale when the batch acks both.
      await byId.get("stale")!.nack({ retryAfterMs: 0 });
      const [again] = await receive(1);
      expect(again?.id).toBe("stale");

      const settled = (message: ReceivedMessage, fields: Partial<SettledRecord>): SettledRecord => ({
        id: message.id,
        job: jobs[message.id]!,
        queue,
        enqueuedAt: enqueuedAt(message.id),
        state: "succeeded",
        attempt: 1,
        finishedAt: finishedAt(message.id),
        ttlMs: 60_000,
        ...fields,
      });
      const result = JSON.stringify({ said: 'he said "hi" \\ ünï 😀', n: 1 });
      const error = JSON.stringify({ name: "Error", message: 'bad "x" \\ y' });
      const ack = (id: string, fields: Partial<SettledRecord>) => byId.get(id)!.ack({ record: settled(byId.get(id)!, fields) });
      // One event-loop turn: the acks share one statement (GroupCommit).
      await Promise.all([
        ack("a", { result }),
        ack("b", {}),
        ack("c", { state: "failed", error }),
        ack("d", { state: "dead", error: JSON.stringify({ name: "Other", message: "d" }), attempt: 3 }),
        byId.get("e")!.ack(),
        // An enqueue time from a crafted envelope, before 1970: stored as it is.
        ack("early", {}),
        ack("later", { state: "retrying", finishedAt: undefined, runAt: 1_900_000_000_000 }),
        // A record naming another id than its message's row (an envelope whose id is not the message's).
        ack("other", { id: "other-envelope" }),
        // One delivery acked twice in the batch, once without its record: the record is settled.
        byId.get("twice")!.ack(),
        ack("twice", { result: JSON.stringify("twice") }),
        byId.get("stale")!.ack({ record: settled(byId.get("stale")!, { result: JSON.stringify("stale") }) }),
        again!.ack({ record: settled(again!, { attempt: 2, result: JSON.stringify("second") }) }),
      ]);

      const store = backend.recordStore!();
      expect(await store.get("a")).toMatchObject({ id: "a", job: "Plain", queue, state: "succeeded", attempt: 1, result, error: null, enqueuedAt: enqueuedAt("a"), finishedAt: finishedAt("a"), runAt: null });
      expect(await store.get("b")).toMatchObject({ id: "b", job: 'Quoted"Job\\Name', state: "succeeded", result: null, error: null, enqueuedAt: enqueuedAt("b"), finishedAt: finishedAt("b") });
      expect(await store.get("c")).toMatchObject({ id: "c", state: "failed", result: null, error, finishedAt: finishedAt("c") });
      expect(await store.get("d")).toMatchObject({ id: "d", state: "dead", attempt: 3, error: JSON.stringify({ name: "Other", message: "d" }) });
      expect(await store.get("early")).toMatchObject({ state: "succeeded", enqueuedAt: -1, finishedAt: finishedAt("early") });
      expect(await store.get("later")).toMatchObject({ state: "retrying", finishedAt: null, runAt: 1_900_000_000_000 });
      expect(await store.get("other-envelope")).toMatchObject({ id: "other-envelope", queue, state: "succeeded", finishedAt: finishedAt("other") });
      expect(await store.get("twice")).toMatchObject({ state: "succeeded", result: JSON.stringify("twice") });
      // The stale token deleted nothing and settled nothing: the live delivery's record is the one settled.
      expect(await store.get("stale")).toMatchObject({ state: "succeeded", attempt: 2, result: JSON.stringify("second") });
      // Acked without a record: in message rows, its record went with the row; in job_records, it is as the claim left it.
      if (layout.messageRows) expect(await store.get("e")).toBeUndefined();
      else expect(await store.get("e")).toMatchObject({ state: "running", attempt: 1 });
      // Every message is gone.
      expect(await receive(20)).toEqual([]);
    } finally {
      await backend.close();
    }
  });
});
