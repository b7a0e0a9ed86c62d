// A payload upgrade that edits the args it is given (a rename, in place), on Redis, whose messages release their
// body once the job starts: the envelope's own args were upgraded, and the retry's copy, re-encoded from it with the
// old version, was upgraded a second time ({ name } → { first } → {}).
import { createConsoleLogger, createHopper, encodeEnvelope, ENVELOPE_FORMAT_VERSION, Job, RetryLaterError } from "@hopper/core";
import { describe, expect, it } from "vitest";
import { redisUrl } from "./test-redis-service.js";

describe.skipIf(!redisUrl)("payload upgrades on Redis", () => {
  it("an upgrade that edits its args in place leaves the queued payload as it was: a retry is upgraded once, from the old version", { timeout: 30_000 }, async () => {
    const queue = `upgrade-in-place-${Date.now().toString(36)}`;
    const seen: unknown[] = [];
    class Greet extends Job<{ first: string }> {
      static override queue = queue;
      static override version = 2;
      static override upgrades = {
        1: (args: { name?: string; first?: string }) => {
          args.first = args.name;
          delete args.name;
          return args;
        },
      };
      async perform(args: { first: string }) {
        seen.push(structuredClone(args));
        if (seen.length === 1) throw new RetryLaterError({ delayMs: 10 });
      }
    }
    const hopper = createHopper({ url: `${redisUrl}?keyPrefix=${queue}`, jobs: [Greet], logger: createConsoleLogger("silent") });
    const backend = await hopper.backend;
    const body = encodeEnvelope({ hopper: ENVELOPE_FORMAT_VERSION, id: "v1-job", job: "Greet", version: 1, args: { name: "Ann" }, queue, priority: 0, enqueuedAt: new Date().toISOString(), attempt: 1, meta: {} } as never);
    await backend.enqueue([{ id: "v1-job", queue, body }]);
    const worker = hopper.worker({ handleSignals: false, pollWait: "50ms" });
    const running = worker.run();
    try {
      for (const deadline = Date.now() + 20_000; seen.length < 2 && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      await worker.stop();
      await running;
      await hopper.close();
    }
    expect(seen).toEqual([{ first: "Ann" }, { first: "Ann" }]);
  });
});
