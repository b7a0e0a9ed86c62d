// A keyed message made ready while a pull is in flight (its line's head acked) must go out at once,
// not after the empty-pull pause: the abandoned pull reads as "empty" and the pause waits for a wake already spent.
import { expect, it } from "vitest";
import { PubSubOrderingLines } from "./pubsub-ordering.js";
import { PullPacer } from "./pubsub-pull-pacer.js";
import { pullMessages, type PullContext } from "./pubsub-receive.js";

it("the next message of a key goes out as soon as its head is acked, also when the ack lands during a pull", async () => {
  const acks = { modifyAckDeadline: async () => {}, acknowledge: async () => {} } as never;
  const subscriptionPath = "projects/p/subscriptions/s";
  const lines = new PubSubOrderingLines(acks, subscriptionPath);
  const keyed = (n: number) => ({ ackId: `a${n}`, message: { messageId: `${n}`, orderingKey: "k", data: Buffer.from("{}"), attributes: {} } });
  let pulls = 0;
  let onHangingPull = () => {};
  const client = {
    pull: () => {
      pulls += 1;
      if (pulls === 1) return Promise.resolve([{ receivedMessages: [keyed(1), keyed(2)] }]);
      // Empty answers at once (the emulator), then one that waits (a real long pull) while the head is acked.
      if (pulls < 10) return Promise.resolve([{ receivedMessages: [] }]);
      setImmediate(() => onHangingPull());
      return new Promise((resolve) => setTimeout(() => resolve([{ receivedMessages: [] }]), 3000));
    },
  };
  const closing = new AbortController();
  const pacer = new PullPacer();
  const context: PullContext = { client: client as never, acks, nackMaxDelayMs: 600_000, countsDeliveries: false, orderingLines: () => lines, pullPacer: () => pacer, closing: closing.signal, ensureOpen: () => {} };
  const resources = { topic: undefined as never, subscriptionPath, ackDeadlineSeconds: 10 };
  const [head] = await pullMessages(context, resources, { queue: "q", maxMessages: 1, waitMs: 0, leaseMs: 10_000 });
  expect(head?.id).toBe("1");
  let ackedAt = 0;
  onHangingPull = () => {
    ackedAt = Date.now();
    void head!.ack();
  };
  const next = await pullMessages(context, resources, { queue: "q", maxMessages: 1, waitMs: 10_000, leaseMs: 10_000 });
  const waitedMs = Date.now() - ackedAt;
  expect(next.map((message) => message.id)).toEqual(["2"]);
  // By then the empty-pull pause has grown to its 200 ms cap: handed out well before it, the pause was skipped.
  expect(waitedMs).toBeLessThan(150);
  closing.abort();
  await lines.close();
});
