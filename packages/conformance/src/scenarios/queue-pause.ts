import { expect } from "vitest";
import { ConfigurationError, createConsoleLogger, createHopper, createMemoryCoordinationStore, Job, type Hopper } from "@hopper/core";
import type { Backend } from "@hopper/core/backend";
import { defineScenario } from "../scenario.js";
import { sleep, waitFor } from "../harness.js";

const pauseCheckMs = 200;
// The stated bound is `pauseCheck` plus a round trip to the store; the slack is for a loaded test machine only.
const boundMs = pauseCheckMs + 2000;

export const queuePause = defineScenario({
  name: "pause stops every worker starting a queue's jobs within the bound, the queue keeps taking enqueues, resume drains it",
  timeoutMs: 180_000,
  async run({ backend, createBackend, queue }) {
    const name = queue("paused");
    const other = queue("unpaused");
    const starts: { queue: string; at: number }[] = [];
    class Paused extends Job<{ n: number }> {
      static override queue = name;
      async perform() {
        starts.push({ queue: name, at: Date.now() });
        await sleep(20);
      }
    }
    class Unpaused extends Job<{ n: number }> {
      static override queue = other;
      async perform() {
        starts.push({ queue: other, at: Date.now() });
      }
    }
    // Two Hoppers on two backends (two processes, in effect) sharing one coordination store.
    const coordination = createMemoryCoordinationStore();
    const open = (on: Backend): Hopper => createHopper({ backend: on, jobs: [Paused, Unpaused], coordination, logger: createConsoleLogger(process.env.HOPPER_LOG_LEVEL ? undefined : "silent") });
    const first = open(backend);
    const second = open(await createBackend());
    const workers = [first, second].map((hopper) => hopper.worker({ queues: [name, other], concurrency: 2, prefetch: 10, pollWait: 500, pauseCheck: pauseCheckMs, lease: "1m", handleSignals: false }));
    const running = workers.map((worker) => worker.run());
    try {
      await first.enqueueAll(Paused, Array.from({ length: 200 }, (_, n) => ({ n })));
      await waitFor(() => starts.some((start) => start.queue === name), "the queue's first jobs to start");

      await first.queues.pause(name);
      const pausedAt = Date.now();
      await expect(first.queues.list()).resolves.toEqual(expect.arrayContaining([expect.objectContaining({ name, paused: true }), expect.objectContaining({ name: other, paused: false })]));
      // A paused queue keeps taking enqueues; an unpaused one keeps running.
      await second.enqueueAll(Paused, Array.from({ length: 20 }, (_, n) => ({ n: 1000 + n })));
      await second.enqueue(Unpaused, { n: 1 });
      await waitFor(() => starts.some((start) => start.queue === other), "the unpaused queue's job to run");
      await sleep(boundMs + 1000);
      const late = starts.filter((start) => start.queue === name && start.at > pausedAt + boundMs);
      expect(late, "jobs of the paused queue started after the bound").toEqual([]);
      const startedWhilePaused = starts.filter((start) => start.queue === name).length;
      expect(startedWhilePaused).toBeLessThan(220);

      await second.queues.resume(name);
      await expect(second.queues.list()).resolves.toEqual(expect.arrayContaining([expect.objectContaining({ name, paused: false })]));
      await waitFor(() => starts.filter((start) => start.queue === name).length >= 220, "the queue to drain after resume", 120_000);
    } finally {
      await Promise.all(workers.map((worker) => worker.stop({ timeout: 5000 })));
      await Promise.all(running);
      await Promise.all([first.close(), second.close()]);
    }
  },
});

export const queuePauseRefusals = defineScenario({
  name: "pause and resume refuse an unknown queue and a malformed name, naming the field",
  async run({ backend, queue }) {
    const name = queue("known");
    class Known extends Job<Record<string, never>> {
      static override queue = name;
      async perform() {}
    }
    const hopper = createHopper({ backend, jobs: [Known], coordination: createMemoryCoordinationStore(), logger: createConsoleLogger("silent") });
    try {
      const unknown = await hopper.queues.pause(queue("unknown")).catch((error: unknown) => error);
      expect(ConfigurationError.isInstance(unknown) && unknown.field).toBe("queue");
      expect(String(unknown)).toContain(name);
      const malformed = await hopper.queues.resume(42 as unknown as string).catch((error: unknown) => error);
      expect(ConfigurationError.isInstance(malformed) && malformed.field).toBe("queue");
      expect(() => hopper.worker({ queues: { [name]: 0 } })).toThrow(expect.objectContaining({ field: `worker.queues.${name}` }));
      expect(() => hopper.worker({ queues: { [name]: 2 }, order: "strict" })).toThrow(expect.objectContaining({ field: "worker.order" }));
      expect(() => hopper.worker({ queues: [name], order: "fastest" as "strict" })).toThrow(expect.objectContaining({ field: "worker.order" }));
      expect(() => hopper.worker({ queues: [name, name] })).toThrow(expect.objectContaining({ field: "worker.queues[1]" }));
      expect(() => hopper.worker({ queues: [name], pauseCheck: 0 })).toThrow(expect.objectContaining({ field: "worker.pauseCheck" }));
      await expect(hopper.queues.list()).resolves.toEqual([expect.objectContaining({ name, paused: false })]);
    } finally {
      await hopper.close();
    }
  },
});
