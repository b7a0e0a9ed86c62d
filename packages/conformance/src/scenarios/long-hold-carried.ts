import { expect } from "vitest";
import { decodeEnvelope, Job, type JobContext } from "@hopper/core";
import type { Backend, ReceivedMessage } from "@hopper/core/backend";
import { defineScenario } from "../scenario.js";
import { expectNothingFor, runWorkerUntil, testHopper } from "../harness.js";

// Shrunken stand-ins for SQS's 12-hour visibility ceiling and 4-day retention (Pub/Sub: 10-minute ack
// deadline, 7 days): no emulator enforces them, so the scenario checks the worker keeps within the limits it declares.
const limits = { maxNackDelayMs: 1000, messageRetentionMs: 6000 };

interface Delivery {
  readonly deliveryAttempt: number | undefined;
  readonly body: string;
  readonly receivedAt: number;
}

/** The same backend, recording every message it hands out. */
function recording(backend: Backend, deliveries: Delivery[]): Backend {
  return {
    ...backend,
    async receive(options): Promise<ReceivedMessage[]> {
      const messages = await backend.receive(options);
      const receivedAt = Date.now();
      for (const message of messages) deliveries.push({ deliveryAttempt: message.deliveryAttempt, body: message.body, receivedAt });
      return messages;
    },
  };
}

export const longHoldCarried = defineScenario({
  name: "a hold longer than the nack ceiling and the retention is carried by fresh copies and counts as no attempt",
  requires: ["nackDelay"],
  requiresAbsent: ["delayedDelivery"],
  timeoutMs: 90_000,
  async run({ createBackend, queue }) {
    const limited = await createBackend(limits);
    const declared = limited.capabilities;
    if (!declared.nackDelay || declared.nackDelay.maxDelayMs !== limits.maxNackDelayMs || declared.messageRetentionMs !== limits.messageRetentionMs) {
      throw new Error(`the conformance wiring must honour createBackend(limits); it declared nackDelay ${JSON.stringify(declared.nackDelay)}, messageRetentionMs ${declared.messageRetentionMs}`);
    }
    const name = queue("longhold");
    const deliveries: Delivery[] = [];
    const runs: { attempt: number; at: number }[] = [];
    class LongWait extends Job<{ n: number }> {
      static override jobName = "LongWait";
      static override queue = name;
      async perform(_args: { n: number }, context: JobContext) {
        runs.push({ attempt: context.attempt, at: Date.now() });
      }
    }
    const hopper = testHopper(recording(limited, deliveries), [LongWait]);
    const waitMs = 8000;
    const enqueuedAt = Date.now();
    await hopper.enqueue(LongWait, { n: 1 }, { wait: waitMs });
    await runWorkerUntil(hopper, { queues: [name] }, () => runs.length === 1, "the long-held job to run", 60_000);

    expect(runs.map((run) => run.attempt)).toEqual([1]);
    expect(runs[0]!.at - enqueuedAt).toBeGreaterThanOrEqual(waitMs - 1000);
    // The hold outlives one nack and the retention, so it must have moved to new messages (FIFO copies included: none was deduplicated away).
    expect(new Set(deliveries.map((delivery) => delivery.body)).size).toBeGreaterThan(1);
    for (const delivery of deliveries) {
      const envelope = decodeEnvelope(delivery.body);
      const publishedAt = Date.parse(envelope.meta["hopper.publishedAt"] ?? envelope.enqueuedAt);
      // No copy is kept past its declared retention, nor held by nack twice where deliveries are counted.
      expect(delivery.receivedAt - publishedAt).toBeLessThan(limits.messageRetentionMs);
      if (delivery.deliveryAttempt !== undefined) expect(delivery.deliveryAttempt).toBeLessThanOrEqual(2);
    }
    // Every copy the hold left behind was acked: nothing comes back.
    await expectNothingFor(limited, name, 3000);
  },
});
