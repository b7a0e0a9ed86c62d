// Found by the pull-path review of 2026-12-07: a waiting message of an ordering line was counted renewed when its
// modifyAckDeadline was sent, not when it landed. One failed renewal was never tried again, the message's deadline
// ran out while the line thought it held it, Pub/Sub redelivered it (maybe to another process), and this process
// later handed out its stale copy too: a duplicate, perhaps out of order. The line is a unit without I/O: the ack
// batcher is stood in for by a recorder whose renewals fail.
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import type { PubSubAckBatcher } from "./pubsub-ack-batcher.js";
import { PubSubOrderingLines } from "./pubsub-ordering.js";

beforeEach(() => void vi.useFakeTimers({ now: 1_000_000 }));
afterEach(() => void vi.useRealTimers());

function failingAcks() {
  const calls: { ackId: string; seconds: number }[] = [];
  const acks = {
    modifyAckDeadline: async (_subscription: string, ackId: string, seconds: number) => {
      calls.push({ ackId, seconds });
      throw new Error("UNAVAILABLE: the renewal did not land");
    },
    acknowledge: async () => {},
  };
  return { acks: acks as unknown as PubSubAckBatcher, calls };
}

const pulled = (id: string) => ({ ackId: `ack-${id}`, message: { messageId: id, orderingKey: "k", data: Buffer.from("{}") } });

it("retries a waiting message's failed renewal, and gives back, never hands out, one whose deadline ran out", async () => {
  const { acks, calls } = failingAcks();
  const lines = new PubSubOrderingLines(acks, "sub");
  lines.intake([pulled("first"), pulled("second")], 30, Date.now());
  expect(lines.takeReady(10).map((message) => message.message?.messageId)).toEqual(["first"]);

  // Renewals of "second" start 20 s before its deadline (at 29 s, with the margin), one per 5 s tick; each fails.
  const renewalsOfSecond = () => calls.filter((call) => call.ackId === "ack-second" && call.seconds > 1).length;
  await vi.advanceTimersByTimeAsync(15_000);
  expect(renewalsOfSecond()).toBe(2);
  await vi.advanceTimersByTimeAsync(10_000);
  expect(renewalsOfSecond()).toBe(4);

  // Its deadline passed while "first" ran: it is given back (Pub/Sub redelivers it), not renewed again, and when
  // "first" is acked it does not go out.
  await vi.advanceTimersByTimeAsync(10_000);
  expect(renewalsOfSecond()).toBe(4);
  expect(calls.at(-1)).toEqual({ ackId: "ack-second", seconds: 1 });
  lines.acked("k", "ack-first", Date.now());
  expect(lines.takeReady(10)).toEqual([]);
  await lines.close();
});
