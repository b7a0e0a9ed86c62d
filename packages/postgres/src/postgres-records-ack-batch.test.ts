import type { SettledRecord } from "@hopper/core";
import type { ReceivedMessage } from "@hopper/core/backend";
import { describe, expect, it } from "vitest";
import { createPostgresBackend } from "./postgres-backend.js";
import { postgresUrl, throwawaySchema } from "./test-postgres-targets.js";

const url = postgresUrl();

/**
 * One ack statement settles many records, each from its own token's values: the statement takes a record's id and
 * queue from the row its token deleted and the rest from per-record parameters (delete-messages.ts), so a record
 * given the values of its neighbour in the batch would show here.
 */
describe.skipIf(!url)("postgres: an ack batch settling records", () => {
  const schema = url ? throwawaySchema(url) : "";

  it("settles each record of one ack statement with its own state, result, error and job, and none for a stale token", { timeout: 60_000 }, async () => {
    const backend = await createPostgresBackend({ connectionString: url!, schema, maxConnections: 3 });
    const queue = "ack-batch-records";
    const jobs: Record<string, string> = { a: "Plain", b: 'Quoted"Job\\Name', c: "Plain", d: "Plain", e: "Plain", stale: "Plain" };
    const enqueuedAt = (id: string) => 1_700_000_000_000 + id.charCodeAt(0);
    try {
      await backend.enqueue(
        Object.entries(jobs).map(([id, job]) => ({ id, queue, body: id, record: { id, job, queue, enqueuedAt: enqueuedAt(id), runAt: null, ttlMs: Number.MAX_SAFE_INTEGER } })),
      );
      const first = await backend.receive({ queue, maxMessages: 10, waitMs: 1000, leaseMs: 60_000, records: { ttlMs: 60_000 } });
      expect(first.map((message) => message.id).sort()).toEqual(Object.keys(jobs).sort());
      const byId = new Map(first.map((message) => [message.id, message]));
      // "stale" is delivered again: its first delivery's token is stale by the time the batch acks it.
      await byId.get("stale")!.nack({ retryAfterMs: 0 });
      const [again] = await backend.receive({ queue, maxMessages: 1, waitMs: 1000, leaseMs: 60_000, records: { ttlMs: 60_000 } });
      expect(again?.id).toBe("stale");

      const settled = (message: ReceivedMessage, fields: Partial<SettledRecord>): SettledRecord => ({
        id: message.id,
        job: jobs[message.id]!,
        queue,
        enqueuedAt: enqueuedAt(message.id),
        state: "succeeded",
        attempt: 1,
        finishedAt: 1_800_000_000_000 + message.id.charCodeAt(0),
        ttlMs: 60_000,
        ...fields,
      });
      const result = JSON.stringify({ said: 'he said "hi" \\ ünï 😀', n: 1 });
      const error = JSON.stringify({ name: "Error", message: 'bad "x" \\ y' });
      // One event-loop turn: the acks share one statement (GroupCommit).
      await Promise.all([
        byId.get("a")!.ack({ record: settled(byId.get("a")!, { result }) }),
        byId.get("b")!.ack({ record: settled(byId.get("b")!, {}) }),
        byId.get("c")!.ack({ record: settled(byId.get("c")!, { state: "failed", error }) }),
        byId.get("d")!.ack({ record: settled(byId.get("d")!, { state: "dead", error: JSON.stringify({ name: "Other", message: "d" }), attempt: 3 }) }),
        byId.get("e")!.ack(),
        byId.get("stale")!.ack({ record: settled(byId.get("stale")!, { result: JSON.stringify("stale") }) }),
      ]);

      const store = backend.recordStore!();
      expect(await store.get("a")).toMatchObject({ id: "a", job: "Plain", queue, state: "succeeded", attempt: 1, result, error: null, enqueuedAt: enqueuedAt("a"), finishedAt: 1_800_000_000_000 + 97 });
      expect(await store.get("b")).toMatchObject({ id: "b", job: 'Quoted"Job\\Name', state: "succeeded", result: null, error: null, enqueuedAt: enqueuedAt("b") });
      expect(await store.get("c")).toMatchObject({ id: "c", state: "failed", result: null, error, finishedAt: 1_800_000_000_000 + 99 });
      expect(await store.get("d")).toMatchObject({ id: "d", state: "dead", attempt: 3, error: JSON.stringify({ name: "Other", message: "d" }) });
      // Acked without a record: its record stays as the claim left it, in the message row that is now gone.
      expect(await store.get("e")).toBeUndefined();
      // The stale token deleted nothing and settled nothing: the second delivery's record runs on.
      expect(await store.get("stale")).toMatchObject({ state: "running", result: null });
      await again!.ack({ record: settled(again!, { attempt: 2, result: JSON.stringify("second") }) });
      expect(await store.get("stale")).toMatchObject({ state: "succeeded", attempt: 2, result: JSON.stringify("second") });
    } finally {
      await backend.close();
    }
  });
});
