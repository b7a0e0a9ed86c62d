// A message one worker holds back (a nack with a delay: a too-new payload, a job not yet due) must be as likely to
// reach another worker when it comes back as to reach the holder again. On the emulator, which answers an empty pull
// at once, the holder's receive used to restart its paced pulls from zero exactly as the shortest ack deadline (1 s)
// ran out, so the holder won the message back nearly every time: in a rolling deploy an old worker held a too-new
// job 94 times while the new worker that could run it never saw it (the reliability run on d9b9c15).
import { randomBytes } from "node:crypto";
import type { Backend } from "@hopper/core/backend";
import { afterEach, expect, it } from "vitest";
import { createTestBackend, emulatorProject } from "./test-pubsub-service.js";

const project = emulatorProject();
const opened: Backend[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((backend) => backend.close()));
});

it.skipIf(!project)("a held message comes back to either of two workers, not to its holder every time", { timeout: 60_000 }, async () => {
  const topicPrefix = `h${randomBytes(3).toString("hex")}-`;
  const queue = "held";
  const workers = [createTestBackend(project!, { topicPrefix }), createTestBackend(project!, { topicPrefix })];
  opened.push(...workers);
  // Both subscribe before the message exists, so neither has the first pull to itself.
  await Promise.all(workers.map((backend) => backend.receive({ queue, maxMessages: 1, waitMs: 0, leaseMs: 10_000 })));
  await workers[0]!.enqueue([{ id: "held-1", queue, body: "{}" }]);

  // Each worker polls as the worker runtime does (receives of 1 s) and holds the message back whenever it gets it.
  const deliveries: number[] = [];
  const wanted = 20;
  const stop = new AbortController();
  await Promise.all(
    workers.map(async (backend, index) => {
      while (!stop.signal.aborted) {
        const messages = await backend.receive({ queue, maxMessages: 10, waitMs: 1000, leaseMs: 10_000, signal: stop.signal });
        for (const message of messages) {
          deliveries.push(index);
          if (deliveries.length >= wanted) stop.abort();
          await message.nack({ retryAfterMs: 300 });
        }
      }
    }),
  );

  const handovers = deliveries.slice(1).filter((worker, at) => worker !== deliveries[at]).length;
  // Fair, each of the 19 changes of holder would happen half the time: 3 or fewer has a chance of 0.2 %.
  console.log(`[pubsub] a held message's ${wanted} deliveries, by worker: ${deliveries.join("")} (${handovers} handovers)`);
  expect(handovers, `deliveries by worker: ${deliveries.join("")}`).toBeGreaterThanOrEqual(4);
});
