import { describe, expect, it } from "vitest";
import { createMemoryBackend } from "../memory/memory-backend.js";
import { OutboxRelay } from "./outbox-relay.js";
import type { OutboxRelaySession, OutboxStore, StagedMessage, TakeRows } from "./outbox-store.js";

/** An outbox in this process; `honoursRows: false` is a store written before `take` had its `rows` (no I/O: a stand-in). */
function memoryOutbox(staged: StagedMessage[], honoursRows: boolean): OutboxStore {
  const removeAll = (positions: readonly string[]) => {
    for (const position of positions) staged.splice(staged.findIndex((entry) => entry.position === position) >>> 0, 1);
  };
  const session: OutboxRelaySession = {
    lost: new AbortController().signal,
    async take(limit: number, _waitMs: number, _signal: AbortSignal, rows?: TakeRows) {
      if (!honoursRows) return staged.slice(0, limit);
      removeAll(rows?.remove ?? []);
      const inFlight = new Set(rows?.inFlight ?? []);
      return staged.filter((entry) => !inFlight.has(entry.position)).slice(0, limit);
    },
    async remove(positions) {
      removeAll(positions);
    },
    async release() {},
  };
  return { name: honoursRows ? "current" : "old", stage: async () => {}, acquireRelay: async () => session, close: async () => {} };
}

const stagedJobs = (queue: string): StagedMessage[] => [1, 2, 3].map((n) => ({ position: String(n), message: { id: `job-${n}`, queue, body: "{}" } }));

describe("the outbox relay", () => {
  it("sends each staged job once and deletes it", async () => {
    const queue = `relay-${Date.now().toString(36)}`;
    const staged = stagedJobs(queue);
    const backend = createMemoryBackend({ store: queue });
    const errors: string[] = [];
    const relay = new OutboxRelay({ outbox: memoryOutbox(staged, true), backend: async () => backend, logger: { debug: () => {}, info: () => {}, warn: () => {}, error: (line) => void errors.push(line) } }, { handleSignals: false, batchSize: 2 });
    const running = relay.run();
    const received = await backend.receive({ queue, maxMessages: 10, waitMs: 2000, leaseMs: 60_000 });
    const more = await backend.receive({ queue, maxMessages: 10, waitMs: 500, leaseMs: 60_000 });
    await relay.stop();
    await running;
    expect([...received, ...more].map((message) => message.id).sort()).toEqual(["job-1", "job-2", "job-3"]);
    expect(staged).toEqual([]);
    expect(errors).toEqual([]);
  });

  it("refuses a store whose take ignores the rows it is told to delete or leave out, naming the setting, instead of sending its first batch forever", async () => {
    const queue = `relay-old-${Date.now().toString(36)}`;
    const backend = createMemoryBackend({ store: queue });
    const failures: unknown[] = [];
    const logger = { debug: () => {}, info: () => {}, warn: () => {}, error: (_line: string, fields?: Record<string, unknown>) => void failures.push(fields?.error) };
    const relay = new OutboxRelay({ outbox: memoryOutbox(stagedJobs(queue), false), backend: async () => backend, logger }, { handleSignals: false, batchSize: 2 });
    const running = relay.run();
    for (let waited = 0; failures.length === 0 && waited < 5000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
    await relay.stop();
    await running;
    expect(String(failures[0])).toMatch(/outbox: the old outbox store returned a row its take was told to delete or leave out/);
  });
});
