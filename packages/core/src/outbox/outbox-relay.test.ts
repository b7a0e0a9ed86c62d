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

  it("asks for its lease again, backing off, while the outbox's database cannot be reached, then relays (it gave up for good)", async () => {
    const queue = `relay-down-${Date.now().toString(36)}`;
    const staged = stagedJobs(queue);
    const backend = createMemoryBackend({ store: queue });
    const outbox = memoryOutbox(staged, true);
    let refusals = 2;
    const unreachable: OutboxStore = {
      ...outbox,
      acquireRelay: async (signal) => {
        if (refusals-- > 0) throw Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
        return outbox.acquireRelay(signal);
      },
    };
    const errors: string[] = [];
    const relay = new OutboxRelay({ outbox: unreachable, backend: async () => backend, logger: { debug: () => {}, info: () => {}, warn: () => {}, error: (line) => void errors.push(line) } }, { handleSignals: false });
    let outcome = "running";
    const running = relay.run().then(
      () => (outcome = "returned"),
      (error: unknown) => (outcome = `rejected: ${String(error)}`),
    );
    const received = await backend.receive({ queue, maxMessages: 10, waitMs: 10_000, leaseMs: 60_000 });
    expect(outcome).toBe("running");
    await relay.stop();
    await running;
    expect(outcome).toBe("returned");
    expect(received.map((message) => message.id).sort()).toEqual(["job-1", "job-2", "job-3"]);
    expect(errors).toEqual(["the outbox relay cannot ask for its lease; asking again", "the outbox relay cannot ask for its lease; asking again"]);
  });

  it("refuses options it does not have or cannot honour, naming the field", () => {
    const dependencies = { outbox: memoryOutbox([], true), backend: async () => createMemoryBackend(), logger: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} } };
    expect(() => new OutboxRelay(dependencies, { batchsize: 10 } as never)).toThrow(/^batchsize: "batchsize" is not an option of relay\(\): use one of handleSignals, batchSize$/);
    expect(() => new OutboxRelay(dependencies, { handleSignals: "no" } as never)).toThrow(/^handleSignals: must be true or false, got "no"$/);
    expect(() => new OutboxRelay(dependencies, { batchSize: 0 })).toThrow(/^batchSize: must be a positive integer/);
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
