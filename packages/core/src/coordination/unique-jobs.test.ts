import { afterEach, expect, it } from "vitest";
import { EnqueueFailedError } from "../errors/enqueue-failed-error.js";
import { createHopper, type Hopper } from "../hopper.js";
import { Job } from "../job.js";
import { createConsoleLogger } from "../logger.js";
import { createMemoryBackend } from "../memory/memory-backend.js";
import type { CoordinationStore } from "./coordination-store.js";
import { createMemoryCoordinationStore } from "./memory-coordination-store.js";

const hoppers: Hopper[] = [];
afterEach(async () => {
  await Promise.all(hoppers.splice(0).map((hopper) => hopper.close()));
});

class Report extends Job<{ key: string }> {
  static override queue = "unique-guard";
  static override unique = { key: (args: { key: string }) => args.key };
  async perform() {}
}

// The PostgreSQL store once read a key's holders in a statement after the one that refused it: a holder
// released in between left a refusal naming nobody, and the enqueue answered with its own id, a job
// never sent (lost jobs in the crash run, issue #16). The core fails such a call instead.
it("a unique enqueue refused by a store that names no holder fails, and never answers with a job it did not send", async () => {
  const store = createMemoryCoordinationStore();
  const nonAtomic: CoordinationStore = {
    ...store,
    async acquire(key, holder, options) {
      const result = await store.acquire(key, holder, options);
      return result.acquired ? result : { acquired: false, holders: [] };
    },
  };
  const backend = createMemoryBackend();
  const hopper = createHopper({ backend, coordination: nonAtomic, jobs: [Report], logger: createConsoleLogger("silent") });
  hoppers.push(hopper);
  const first = await Report.performLater({ key: "k" });
  const second = Report.performLater({ key: "k" });
  await expect(second).rejects.toSatisfy((error) => EnqueueFailedError.isInstance(error) && /without naming its holder/.test(String((error as EnqueueFailedError).failures[0]!.error)));
  expect((await backend.stats!("unique-guard")).ready).toBe(1);
  expect(first).toBeTypeOf("string");
});

// A bulk enqueue fails whole when one key's reservation or the send fails: the keys it did reserve are freed, so its
// retry sends the jobs instead of answering them as duplicates of jobs never sent (the retry lost them).
it("a unique bulk enqueue that fails on one reservation, or on the send, frees the keys it reserved; its retry sends every job", async () => {
  const store = createMemoryCoordinationStore();
  let refuseKey: string | undefined = "unique:Report:b";
  const flaky: CoordinationStore = {
    ...store,
    async acquire(key, holder, options) {
      if (key === refuseKey) {
        refuseKey = undefined;
        throw Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" });
      }
      return store.acquire(key, holder, options);
    },
  };
  const backend = createMemoryBackend({ store: `unique-bulk-${Date.now().toString(36)}` });
  let sendFails = false;
  const failingSend = { ...backend, enqueue: async (...args: Parameters<typeof backend.enqueue>) => (sendFails ? Promise.reject(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" })) : backend.enqueue(...args)) };
  const hopper = createHopper({ backend: failingSend, coordination: flaky, jobs: [Report], logger: createConsoleLogger("silent") });
  hoppers.push(hopper);
  await expect(Report.performAllLater([{ key: "a" }, { key: "b" }, { key: "c" }])).rejects.toThrow();
  const retried = await Report.performAllLater([{ key: "a" }, { key: "b" }, { key: "c" }]);
  expect((await backend.stats!("unique-guard")).ready).toBe(3);

  sendFails = true;
  await expect(Report.performAllLater([{ key: "d" }, { key: "e" }])).rejects.toThrow();
  sendFails = false;
  await Report.performAllLater([{ key: "d" }, { key: "e" }]);
  expect((await backend.stats!("unique-guard")).ready).toBe(5);
  expect(retried).toHaveLength(3);
});
