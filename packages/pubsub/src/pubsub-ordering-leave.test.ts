// Found by the review of Backend.receiveFrom (2026-12-07): a worker stopped while its Hopper stayed open left a
// subscription's ordering lines leased and renewed until close(), the key stuck for as long. The lines are a unit
// without I/O: the ack batcher is stood in for by a recorder.
import { afterEach, expect, it } from "vitest";
import type { PubSubAckBatcher } from "./pubsub-ack-batcher.js";
import { MIN_KEYED_NACK_SECONDS, PubSubOrderingLines } from "./pubsub-ordering.js";

const opened: PubSubOrderingLines[] = [];
afterEach(async () => void (await Promise.all(opened.splice(0).map((lines) => lines.close()))));

function recordedLines() {
  const calls: string[] = [];
  const acks = {
    modifyAckDeadline: async (_subscription: string, ackId: string, seconds: number) => void calls.push(`${ackId} ${seconds}s`),
    acknowledge: async (_subscription: string, ackId: string) => void calls.push(`${ackId} acked`),
  };
  const lines = new PubSubOrderingLines(acks as unknown as PubSubAckBatcher, "sub");
  opened.push(lines);
  return { lines, calls };
}
const pulled = (key: string, n: number) => ({ ackId: `ack-${key}${n}`, message: { messageId: `${key}${n}`, orderingKey: key, data: Buffer.from("{}") } });
const settle = () => new Promise((resolve) => setImmediate(resolve));

it("gives lines back when the last worker stops: at once where nothing is out, after the head's ack where one runs", async () => {
  const { lines, calls } = recordedLines();
  lines.intake([pulled("a", 1), pulled("a", 2), pulled("b", 1), pulled("b", 2)], 30, Date.now());
  // a's head is out (a job still running at the stop); b's is not taken.
  expect(lines.takeReady(1).map((message) => message.message?.messageId)).toEqual(["a1"]);
  lines.leave();
  await settle();
  expect(calls).toEqual([`ack-b1 ${MIN_KEYED_NACK_SECONDS}s`, `ack-b2 ${MIN_KEYED_NACK_SECONDS}s`]);
  // a2 waits while a1 runs (given back now, Pub/Sub could hand it to another process beside a1); a1's ack sends it back.
  lines.acked("a", "ack-a1", Date.now());
  await settle();
  expect(calls.slice(2)).toEqual([`ack-a2 ${MIN_KEYED_NACK_SECONDS}s`]);
  expect(lines.hasReady()).toBe(false);
  // A later receive makes lines wait for it again.
  lines.attend();
  lines.intake([pulled("c", 1), pulled("c", 2)], 30, Date.now());
  expect(lines.takeReady(10).map((message) => message.message?.messageId)).toEqual(["c1"]);
  lines.acked("c", "ack-c1", Date.now());
  expect(lines.takeReady(10).map((message) => message.message?.messageId)).toEqual(["c2"]);
});
