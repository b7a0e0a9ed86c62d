import { randomUUID } from "node:crypto";
import type { OutgoingMessage } from "@hopper/core/backend";
import { describe, expect, it } from "vitest";
import { openedPerTest, postgresTargets, uniqueQueue } from "./test-postgres-targets.js";

interface StoredRow {
  id: string;
  queue: string;
  body: string;
  priority: number;
  ordering_key: string | null;
  dedupe_key: string | null;
  delayed: boolean;
}

/**
 * The enqueue's column parameters are array literals the adapter builds itself (operations/array-literal.ts):
 * whatever text a key holds, and however the batch mixes keys with none, each row must store exactly what was sent.
 */
const awkwardKeys = ['quote"inside', "back\\slash", "comma,key", "{braces}", "NULL", "", " spaced ", "é✓ multibyte", "\\\"both"];

for (const target of postgresTargets()) {
  describe(`enqueue parameters on ${target.name}`, () => {
    const open = openedPerTest(target);

    const stored = (queue: string) =>
      target.query<StoredRow>(
        `SELECT id, queue, body, priority, ordering_key, dedupe_key, run_at > now() AS delayed FROM "${target.schema}".messages WHERE queue = $1 ORDER BY seq`,
        [queue],
      );
    const expected = (message: OutgoingMessage): StoredRow => ({
      id: message.id,
      queue: message.queue,
      body: message.body,
      priority: message.priority ?? 0,
      ordering_key: message.orderingKey ?? null,
      dedupe_key: message.dedupeKey ?? null,
      delayed: (message.delayMs ?? 0) > 0,
    });

    // Generous: the first test of the file also starts PGlite's WASM build and migrates.
    it("keys with quotes, backslashes, commas, braces or the word NULL, beside messages without keys, are stored as sent", { timeout: 120_000 }, async () => {
      const backend = await open();
      const queue = uniqueQueue();
      const messages: OutgoingMessage[] = awkwardKeys.flatMap((key, n) => [
        { id: randomUUID(), queue, body: JSON.stringify({ n, text: `body ${key} ✓` }), orderingKey: key, priority: n % 3 },
        { id: randomUUID(), queue, body: JSON.stringify({ n }), dedupeKey: key, delayMs: n === 1 ? 60_000 : 0 },
        { id: randomUUID(), queue, body: JSON.stringify({ n, none: true }) },
      ]);
      const results = await backend.enqueue(messages, {});
      expect(results.map((result) => result.status)).toEqual(messages.map(() => "enqueued"));
      expect(await stored(queue)).toEqual(messages.map(expected));
    });

    it("a batch whose keys all need no escaping, and one with no keys at all, are stored as sent", async () => {
      const backend = await open();
      const queue = uniqueQueue();
      const keyed: OutgoingMessage[] = Array.from({ length: 5 }, (_, n) => ({ id: randomUUID(), queue, body: `{"n":${n},"text":"naïve ✓"}`, orderingKey: `key-${n % 2}`, priority: 2 - n }));
      const plain: OutgoingMessage[] = Array.from({ length: 5 }, (_, n) => ({ id: randomUUID(), queue, body: `{"n":${n + 5}}` }));
      await backend.enqueue(keyed, {});
      await backend.enqueue(plain, {});
      expect(await stored(queue)).toEqual([...keyed, ...plain].map(expected));
    });

    it("a caller-chosen id with a quote or backslash is stored as sent", async () => {
      const backend = await open();
      const queue = uniqueQueue();
      const messages: OutgoingMessage[] = ['id"quoted', "id\\slashed", "id,comma"].map((id) => ({ id, queue, body: "{}" }));
      await backend.enqueue(messages, {});
      expect(await stored(queue)).toEqual(messages.map(expected));
    });
  });
}
