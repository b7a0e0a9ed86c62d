/**
 * Guards on a record whose claim rides in its job's message (scripts/records.lua): a cancel sent by the previous
 * release (it marks the message as this one does; the claim reads no record) still keeps the job from running, an
 * ack rides only for its message's own job, and a record follows `m` only to a message that is still its job's.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { createConsoleLogger, createHopper, Job, RECORD_KEPT_UNTIL_LATER_WRITE_MS } from "@hopper/core";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { createRedisBackend } from "./redis-backend.js";
import { redisUrl } from "./test-redis-service.js";

describe.skipIf(!redisUrl)("redis records riding in the message: a cancel sent by the previous release", () => {
  it("keeps a waiting job that the previous release cancelled from running on this release", { timeout: 30_000 }, async () => {
    const keyPrefix = `riding-${randomUUID().slice(0, 8)}`;
    const queue = "mailers";
    const performed: string[] = [];
    class Mail extends Job<{ to: string }> {
      static override queue = queue;
      static override jobName = "Mail";
      async perform({ to }: { to: string }) {
        performed.push(to);
      }
    }
    const hopper = createHopper({ backend: createRedisBackend({ url: redisUrl!, keyPrefix }), jobs: [Mail], logger: createConsoleLogger("silent"), records: {} });
    // The previous release's cancel (its record-cancel.lua and records.lua at 8b3139b, kept verbatim): it marks the
    // message `x` beside the record, which is all this release's claim reads.
    const read = (file: string) => readFileSync(new URL(`./test-fixtures/release-2026-12-05-scripts/${file}`, import.meta.url), "utf8");
    const old = new Redis(redisUrl!);
    old.defineCommand("oldCancel", { numberOfKeys: 1, lua: `local record_one_node = true\n${read("records.lua")}\n${read("record-cancel.lua")}` });
    try {
      const id = await Mail.performLater({ to: "a@example.com" });
      const answer = await (old as unknown as { oldCancel(...args: unknown[]): Promise<string[]> }).oldCancel(`${keyPrefix}:record:${id}`, Date.now(), 86_400_000, `${keyPrefix}:record-events`, id);
      expect(answer).toEqual(["cancelled"]);
      expect((await hopper.jobs.get(id))?.state).toBe("cancelled");
      const worker = hopper.worker({ queues: [queue], handleSignals: false });
      const working = worker.run();
      await sleep(1500);
      await worker.stop();
      await working;
      expect(performed).toEqual([]);
      expect((await hopper.jobs.get(id))?.state).toBe("cancelled");
    } finally {
      await hopper.close();
      old.disconnect();
    }
  });
});

describe.skipIf(!redisUrl)("redis records riding in the message: a message whose body names another job", () => {
  it("leaves another queue's finished record alone when a riding ack settles it", { timeout: 30_000 }, async () => {
    const keyPrefix = `riding-${randomUUID().slice(0, 8)}`;
    class Victim extends Job<{ n: number }> {
      static override queue = "victim";
      static override jobName = "Victim";
      async perform() {}
    }
    class Noop extends Job<{ n: number }> {
      static override queue = "attacker";
      static override jobName = "Noop";
      async perform() {
        return "forged";
      }
    }
    const backend = createRedisBackend({ url: redisUrl!, keyPrefix });
    const hopper = createHopper({ backend, jobs: [Victim, Noop], logger: createConsoleLogger("silent"), records: {} });
    const raw = new Redis(redisUrl!);
    try {
      const victim = await Victim.performLater({ n: 1 });
      expect(await hopper.jobs.cancel(victim)).toMatchObject({ cancelled: true });
      // A body as the core writes it for the attacker's queue, then pointed at the victim's id and enqueued raw under an id of its own.
      const own = await Noop.performLater({ n: 2 });
      const handles = await raw.zrange(`{${keyPrefix}:attacker}:ready`, 0, -1);
      const body = JSON.parse((await raw.hget(`{${keyPrefix}:attacker}:m:${handles[0]}`, "body"))!);
      expect(body.id).toBe(own);
      body.id = victim;
      const forgedId = randomUUID();
      await backend.enqueue([{ id: forgedId, queue: "attacker", body: JSON.stringify(body), record: { id: forgedId, job: "Noop", queue: "attacker", enqueuedAt: Date.now(), runAt: null, ttlMs: RECORD_KEPT_UNTIL_LATER_WRITE_MS } as never }]);
      const worker = hopper.worker({ queues: ["attacker"], handleSignals: false });
      const working = worker.run();
      await sleep(1500);
      await worker.stop();
      await working;
      expect(await hopper.jobs.get(victim)).toMatchObject({ state: "cancelled", queue: "victim" });
    } finally {
      await hopper.close();
      raw.disconnect();
    }
  });
});

describe.skipIf(!redisUrl)("redis records riding in the message: a queue's keys deleted by hand", () => {
  it("does not let a stale job's record cancel the job that reuses its message handle", { timeout: 30_000 }, async () => {
    const keyPrefix = `riding-${randomUUID().slice(0, 8)}`;
    const performed: number[] = [];
    class Work extends Job<{ n: number }> {
      static override queue = "purged";
      static override jobName = "Work";
      async perform({ n }: { n: number }) {
        performed.push(n);
      }
    }
    const hopper = createHopper({ backend: createRedisBackend({ url: redisUrl!, keyPrefix }), jobs: [Work], logger: createConsoleLogger("silent"), records: {} });
    const raw = new Redis(redisUrl!);
    try {
      const stale = await Work.performLater({ n: 1 });
      // An operator empties the queue by hand (its hash-tagged keys), leaving the records: the next message reuses the stale one's handle.
      const keys = await raw.keys(`{${keyPrefix}:purged}:*`);
      await raw.del(...keys);
      const fresh = await Work.performLater({ n: 2 });
      await hopper.jobs.cancel(stale);
      const worker = hopper.worker({ queues: ["purged"], handleSignals: false });
      const working = worker.run();
      // Until the fresh job has finished, whichever way (bounded: a loaded machine takes its time), then a moment for a
      // wrong run of the stale one.
      const finished = new Set(["succeeded", "failed", "dead", "cancelled"]);
      for (let waited = 0; !finished.has((await hopper.jobs.get(fresh))?.state ?? "") && waited < 15_000; waited += 50) await sleep(50);
      await sleep(300);
      await worker.stop();
      await working;
      expect(performed).toEqual([2]);
      expect((await hopper.jobs.get(fresh))?.state).toBe("succeeded");
    } finally {
      await hopper.close();
      raw.disconnect();
    }
  });
});

describe.skipIf(!redisUrl)("redis records riding in the message: a record deleted by hand", () => {
  it("leaves no record, and none half written, of a job whose record was deleted before its claim or while it ran; the job still runs once", { timeout: 30_000 }, async () => {
    const keyPrefix = `riding-${randomUUID().slice(0, 8)}`;
    const queue = "deleted";
    let release = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const started: number[] = [];
    class Work extends Job<{ n: number }> {
      static override queue = queue;
      static override jobName = "Work";
      async perform({ n }: { n: number }) {
        started.push(n);
        if (n === 2) await gate;
        return { n };
      }
    }
    const backend = createRedisBackend({ url: redisUrl!, keyPrefix });
    const hopper = createHopper({ backend, jobs: [Work], logger: createConsoleLogger("silent"), records: {} });
    const unsettled = async () => {
      const stats = await backend.stats!(queue);
      return stats.ready + stats.inFlight;
    };
    const raw = new Redis(redisUrl!);
    try {
      const [before, during] = (await hopper.enqueueAll(Work, [{ n: 1 }, { n: 2 }])) as [string, string];
      // Deleted before its claim: the claim reads no record (it rides all the same), so the short ack finds every field new.
      await raw.del(`${keyPrefix}:record:${before}`);
      const worker = hopper.worker({ queues: [queue], handleSignals: false });
      const working = worker.run();
      for (let waited = 0; !started.includes(2) && waited < 10_000; waited += 50) await sleep(50);
      expect(started).toContain(2);
      // Deleted while its job runs: the short ack finds every field new and leaves no half record.
      await raw.del(`${keyPrefix}:record:${during}`);
      release();
      // Both messages acked (removed): the queue is empty.
      for (let waited = 0; (await unsettled()) > 0 && waited < 10_000; waited += 50) await sleep(50);
      await worker.stop();
      await working;
      expect(started.sort()).toEqual([1, 2]);
      expect(await unsettled()).toBe(0);
      for (const id of [before, during]) {
        expect(await raw.exists(`${keyPrefix}:record:${id}`)).toBe(0);
        expect(await hopper.jobs.get(id)).toBeNull();
      }
    } finally {
      await hopper.close();
      raw.disconnect();
    }
  });
});

describe.skipIf(!redisUrl)("redis records riding in the message: a claim handed back", () => {
  it("reads waiting again once a riding claim is handed back unstarted, and running while a started one waits to run again", { timeout: 30_000 }, async () => {
    const keyPrefix = `riding-${randomUUID().slice(0, 8)}`;
    const queue = "handed";
    class Work extends Job<{ n: number }> {
      static override queue = queue;
      static override jobName = "Work";
      async perform() {}
    }
    const backend = createRedisBackend({ url: redisUrl!, keyPrefix });
    const hopper = createHopper({ backend, jobs: [Work], logger: createConsoleLogger("silent"), records: {} });
    const records = { ttlMs: RECORD_KEPT_UNTIL_LATER_WRITE_MS };
    try {
      const id = await Work.performLater({ n: 1 });
      const [first] = await backend.receive({ queue, maxMessages: 1, waitMs: 1000, leaseMs: 30_000, records });
      expect(first?.id).toBe(id);
      expect(await hopper.jobs.get(id)).toMatchObject({ state: "running", attempt: 1 });
      // A buffered job given back at stop (prefetch, a paused queue): it never started, so it waits again.
      await first!.nack({ countAttempt: false });
      const waiting = await hopper.jobs.get(id);
      expect(waiting).toMatchObject({ state: "waiting", startedAt: null });
      expect(await hopper.jobs.cancel(id)).toMatchObject({ cancelled: true });
      const [second] = await backend.receive({ queue, maxMessages: 1, waitMs: 1000, leaseMs: 30_000, records });
      // The cancel marked the message: its next claim does not start the job.
      expect(second?.record).toBe("cancelled");

      // A started job handed back counted (a stop that timed out) keeps its claim, as a record key the claim wrote
      // would: running, until the next claim starts it again.
      const other = await Work.performLater({ n: 2 });
      const [started] = await backend.receive({ queue, maxMessages: 1, waitMs: 1000, leaseMs: 30_000, records });
      expect(started?.id).toBe(other);
      await started!.nack();
      expect(await hopper.jobs.get(other)).toMatchObject({ state: "running", attempt: 1 });
    } finally {
      await hopper.close();
    }
  });
});
