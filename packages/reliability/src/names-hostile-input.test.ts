import { randomBytes } from "node:crypto";
import { ConfigurationError, createConsoleLogger, createHopper, Job } from "@hopper/core";
import { describe, expect, it } from "vitest";
import { openReliabilityHopper } from "./reliability-hopper.js";
import { reliabilityTargets } from "./reliability-targets.js";

// Names and keys reach Redis keys, Lua scripts, SQL and SQS/Pub/Sub resource
// names. Queue and job names are validated before anything is sent; keys and
// args are values, passed as parameters, never spliced into a script or query.

const hostile = [`a'b`, `a"b`, "a b", "a;DROP TABLE hopper.jobs;--", "a]]..redis.call('FLUSHALL')--[[", "a{tag}", "a\nb", "a\u0000b", "a%00", "../a", "$(id)", "ä"];

describe("hostile queue and job names are refused before they reach any backend", () => {
  it("queue names: createHopper, worker() and deadLetters() throw ConfigurationError naming the field", () => {
    for (const queue of hostile) {
      class Named extends Job<object> {
        static override queue = queue;
        async perform() {}
      }
      expect(() => createHopper({ url: "memory://", jobs: [Named] }), queue).toThrow(ConfigurationError);
      const hopper = createHopper({ url: "memory://", jobs: [] });
      expect(() => hopper.worker({ queues: [queue] }), queue).toThrow(ConfigurationError);
      expect(() => hopper.deadLetters(queue), queue).toThrow(ConfigurationError);
    }
  });

  it("job names: createHopper throws ConfigurationError", () => {
    for (const jobName of hostile) {
      class Named extends Job<object> {
        static override jobName = jobName;
        async perform() {}
      }
      expect(() => createHopper({ url: "memory://", jobs: [Named] }), jobName).toThrow(ConfigurationError);
    }
  });
});

const hostileKey = `k'"; DROP TABLE x;-- ]]redis.call('FLUSHALL')[[ {t} ${randomBytes(3).toString("hex")}`;

describe("hostile keys and args go through each backend's enqueue path as values", () => {
  for (const target of reliabilityTargets) {
    it(`${target.name}: args full of Lua/SQL metacharacters and a hostile dedupe key round-trip intact; a second job with that key is a duplicate where deduplication is declared`, { timeout: 60_000 }, async (context) => {
      const backend = await target.open({ restartable: false });
      if (!backend) return context.skip();
      const queue = `names${randomBytes(4).toString("hex")}`;
      const seen: string[] = [];
      class Echo extends Job<{ text: string }> {
        static override queue = queue;
        async perform({ text }: { text: string }) {
          seen.push(text);
        }
      }
      const hopper = await openReliabilityHopper(backend.connection, [Echo], createConsoleLogger("silent"));
      try {
        const capabilities = (await hopper.backend).capabilities;
        const texts = hostile.map((name) => `${name} ${hostileKey}`);
        await Echo.performAllLater(texts.map((text) => ({ text })));
        if (capabilities.deduplication) {
          const first = await Echo.set({ dedupeKey: hostileKey }).performLater({ text: "first" });
          const second = await Echo.set({ dedupeKey: hostileKey }).performLater({ text: "second" });
          expect(second).toBe(first);
          texts.push("first");
        }
        const worker = hopper.worker({ queues: [queue], handleSignals: false, pollWait: "200ms" });
        const running = worker.run();
        const deadline = Date.now() + 40_000;
        while (seen.length < texts.length && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
        await worker.stop();
        await running;
        expect([...seen].sort()).toEqual([...texts].sort());
      } finally {
        await hopper.close();
        await backend.close();
      }
    });
  }
});
