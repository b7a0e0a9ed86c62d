import { afterEach, describe, expect, it } from "vitest";
import { createHopper, type Hopper } from "../hopper.js";
import { Job } from "../job.js";
import { createConsoleLogger } from "../logger.js";
import { createMemoryBackend } from "../memory/memory-backend.js";
import type { Backend } from "../backend/backend.js";
import { until } from "../test-fixtures/until.js";

const hoppers: Hopper[] = [];
afterEach(async () => {
  await Promise.all(hoppers.splice(0).map((hopper) => hopper.close()));
});

// A job is handed its plain-JSON args as parsed, without a copy: what it changes must not reach a retry or a dead letter.
/** The memory backend's messages, offering `releaseBody` as Redis's and PostgreSQL's do (memory keeps the body in its store). */
function releasingBodies(backend: Backend, released: string[]): Backend {
  return {
    ...backend,
    receive: async (options) =>
      (await backend.receive(options)).map((message) => {
        let body = message.body;
        return {
          id: message.id,
          get body() {
            return body;
          },
          deliveryAttempt: message.deliveryAttempt,
          ack: (ackOptions) => message.ack(ackOptions),
          nack: (nackOptions) => message.nack(nackOptions),
          extendLease: (leaseMs) => message.extendLease(leaseMs),
          releaseBody: () => {
            released.push(message.id);
            body = "";
          },
        };
      }),
  };
}

describe("args a job changes while it runs", () => {
  for (const [deliveryAttempts, releaseBody] of [
    [true, false],
    [false, false],
    [true, true],
    [false, true],
  ] as const) {
    it(`are not what its retry (${deliveryAttempts ? "a nack" : "a republished copy"}) and its dead letter carry${releaseBody ? ", its body released as it started" : ""}`, async () => {
      const queue = `args-as-received-${deliveryAttempts}-${Date.now().toString(36)}`;
      const seen: unknown[] = [];
      class Mutates extends Job<{ items: string[]; note: string }> {
        static override queue = queue;
        static override retry = { attempts: 2, wait: 1, jitter: 0 };
        async perform(args: { items: string[]; note: string }) {
          seen.push(structuredClone(args));
          args.items.push("added by the job");
          args.note = "changed by the job";
          throw new Error("fails every time");
        }
      }
      const released: string[] = [];
      const memory = createMemoryBackend({ store: queue, capabilities: { deliveryAttempts } });
      const backend = releaseBody ? releasingBodies(memory, released) : memory;
      const hopper = createHopper({ backend, jobs: [Mutates], logger: createConsoleLogger("silent") });
      hoppers.push(hopper);
      await Mutates.performLater({ items: ["a"], note: "as enqueued" });
      const worker = hopper.worker({ pollWait: 20, handleSignals: false });
      const running = worker.run();
      const deadLetters = hopper.deadLetters(queue);
      let dead: Awaited<ReturnType<typeof deadLetters.peek>> = [];
      await until(async () => (dead = await deadLetters.peek()).length === 1, "the job to be dead-lettered");
      await worker.stop();
      await running;
      expect(seen).toEqual([
        { items: ["a"], note: "as enqueued" },
        { items: ["a"], note: "as enqueued" },
      ]);
      expect(dead[0]?.envelope?.args).toEqual({ items: ["a"], note: "as enqueued" });
      // Released once per run: the retry and the dead letter were re-encoded from the envelope, not the body.
      expect(released.length).toBe(releaseBody ? 2 : 0);
    });
  }
});
