import type { Message } from "@aws-sdk/client-sqs";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { SqsFifoLines } from "./sqs-fifo-lines.js";

// A unit (no I/O): real SQS hands out up to 10 messages of one FIFO group in one receive, which fauxqs never does
// (one a group), so the lines are driven here with such receives and a recorded visibility API.
const queueUrl = "https://sqs.test/q.fifo";
const leaseMs = 4_000;

function message(group: string, n: number): Message {
  return { MessageId: `${group}-${n}`, ReceiptHandle: `rh-${group}-${n}`, Body: "{}", Attributes: { MessageGroupId: group, ApproximateReceiveCount: "1" } };
}

let changes: { handles: string[]; seconds: number[] }[];
let refuse: Set<string>;
let lines: SqsFifoLines;
const background = new Set<Promise<unknown>>();
const ids = (taken: { message: Message }[]) => taken.map((each) => each.message.MessageId);
const settle = async () => {
  await Promise.allSettled([...background]);
};

/** Lines whose visibility changes are recorded in `changes`, SQS refusing the receipts in `refuse`. */
function recordedLines(visibilityCeilingMs: number): SqsFifoLines {
  return new SqsFifoLines(
    {
      async change(_queueUrl, entries) {
        changes.push({ handles: entries.map((entry) => entry.receiptHandle), seconds: entries.map((entry) => entry.seconds) });
        return new Set(entries.map((entry) => entry.receiptHandle).filter((handle) => refuse.has(handle)));
      },
    },
    visibilityCeilingMs,
    background,
  );
}

/** Group "a" of `1 + waiting` messages, its head out and renewed by the worker at 2 s, then one more second. */
async function headOutAndRenewed(target: SqsFifoLines, waiting: number): Promise<void> {
  target.intake(queueUrl, Array.from({ length: 1 + waiting }, (_, index) => message("a", index + 1)), Date.now(), leaseMs);
  target.take(queueUrl, 10);
  // The core renews the head at about half its lease; the line renews what waits once half of its lease is left.
  await vi.advanceTimersByTimeAsync(2_000);
  target.leased(queueUrl, "a", "rh-a-1", Date.now() + leaseMs);
  await vi.advanceTimersByTimeAsync(1_000);
  await settle();
}

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000_000 });
  changes = [];
  refuse = new Set();
  lines = recordedLines(12 * 3_600_000);
});
afterEach(async () => {
  await lines.close();
  vi.useRealTimers();
});

describe("SQS FIFO group lines", () => {
  it("hands out one message of a group at a time, the next once the one before is acked, releasing none", async () => {
    lines.intake(queueUrl, [message("a", 1), message("a", 2), message("a", 3), message("b", 1)], Date.now(), leaseMs);
    expect(ids(lines.take(queueUrl, 10))).toEqual(["a-1", "b-1"]);
    expect(lines.take(queueUrl, 10)).toEqual([]);
    lines.acked(queueUrl, "a", "rh-a-1");
    expect(ids(lines.take(queueUrl, 10))).toEqual(["a-2"]);
    lines.acked(queueUrl, "a", "rh-a-2");
    lines.acked(queueUrl, "b", "rh-b-1");
    expect(ids(lines.take(queueUrl, 10))).toEqual(["a-3"]);
    await settle();
    expect(changes).toEqual([]);
  });

  it("stops its keeper timer once the last line is done", async () => {
    lines.intake(queueUrl, [message("a", 1)], Date.now(), leaseMs);
    lines.take(queueUrl, 10);
    expect(vi.getTimerCount()).toBe(1);
    lines.acked(queueUrl, "a", "rh-a-1");
    await vi.advanceTimersByTimeAsync(600);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("wakes a waiting receive when a head's ack lets the next go out", async () => {
    lines.intake(queueUrl, [message("a", 1), message("a", 2)], Date.now(), leaseMs);
    lines.take(queueUrl, 10);
    let woken = false;
    void lines.whenReady(queueUrl, new AbortController().signal).then(() => (woken = true));
    await Promise.resolve();
    expect(woken).toBe(false);
    lines.acked(queueUrl, "a", "rh-a-1");
    await Promise.resolve();
    expect(woken).toBe(true);
  });

  it("sends the rest of a line back to SQS, in order, when its head is nacked or its lease lost", async () => {
    lines.intake(queueUrl, [message("a", 1), message("a", 2), message("a", 3)], Date.now(), leaseMs);
    lines.take(queueUrl, 10);
    lines.headReturned(queueUrl, "a", "rh-a-1");
    await settle();
    expect(changes).toEqual([{ handles: ["rh-a-2", "rh-a-3"], seconds: [0, 0] }]);
    expect(lines.take(queueUrl, 10)).toEqual([]);
  });

  it("renews what waits behind a head that is out, and gives the line back once the head's lease runs out unrenewed", async () => {
    await headOutAndRenewed(lines, 1);
    expect(changes.length).toBeGreaterThan(0);
    for (const change of changes) expect(change).toEqual({ handles: ["rh-a-2"], seconds: [4] });
    // No renewal of the head lands any more (its worker gave it up): the line goes back before the head's copy runs elsewhere.
    const renewals = changes.length;
    await vi.advanceTimersByTimeAsync(5_000);
    await settle();
    expect(changes.slice(renewals, -1).every((change) => change.seconds[0] === 4)).toBe(true);
    expect(changes.at(-1)).toEqual({ handles: ["rh-a-2"], seconds: [0] });
    expect(lines.take(queueUrl, 10)).toEqual([]);
  });

  it("keeps a line nobody takes leased for a whole lease, then gives it back (the worker stopped receiving)", async () => {
    lines.intake(queueUrl, [message("a", 1), message("a", 2)], Date.now(), leaseMs);
    await vi.advanceTimersByTimeAsync(3_000);
    await settle();
    expect(changes.length).toBeGreaterThan(0);
    for (const change of changes) expect(change).toEqual({ handles: ["rh-a-1", "rh-a-2"], seconds: [4, 4] });
    await vi.advanceTimersByTimeAsync(1_500);
    await settle();
    expect(changes.at(-1)).toEqual({ handles: ["rh-a-1", "rh-a-2"], seconds: [0, 0] });
    expect(lines.take(queueUrl, 10)).toEqual([]);
  });

  it("gives a queue's lines back at once when its last worker stops (leave), a head's followers included; other queues keep theirs", async () => {
    const other = "https://sqs.test/other.fifo";
    lines.intake(queueUrl, [message("a", 1), message("a", 2), message("b", 1), message("b", 2)], Date.now(), leaseMs);
    lines.intake(other, [message("c", 1), message("c", 2)], Date.now(), leaseMs);
    // a's head is out (a job still running at the stop); b's is not taken.
    expect(ids(lines.take(queueUrl, 1))).toEqual(["a-1"]);
    lines.leave(queueUrl);
    await settle();
    expect(changes).toEqual([
      { handles: ["rh-a-2"], seconds: [0] },
      { handles: ["rh-b-1", "rh-b-2"], seconds: [0, 0] },
    ]);
    expect(lines.take(queueUrl, 10)).toEqual([]);
    // The running head's late ack finds no line to move on; the other queue's line is untouched.
    lines.acked(queueUrl, "a", "rh-a-1");
    expect(ids(lines.take(other, 10))).toEqual(["c-1"]);
    // A later receive of the queue files what it brings into lines again.
    lines.intake(queueUrl, [message("d", 1), message("d", 2)], Date.now(), leaseMs);
    expect(ids(lines.take(queueUrl, 10))).toEqual(["d-1"]);
  });

  it("gives a message back again when a renewal sent before its line was released lands after the release", async () => {
    // Renewals hang until let go; releases (visibility 0) answer at once.
    const held: (() => void)[] = [];
    const slow = new SqsFifoLines(
      {
        async change(_queueUrl, entries) {
          const seconds = entries.map((entry) => entry.seconds);
          if (seconds.every((value) => value > 0)) await new Promise<void>((resolve) => held.push(resolve));
          changes.push({ handles: entries.map((entry) => entry.receiptHandle), seconds });
          return new Set<string>();
        },
      },
      12 * 3_600_000,
      background,
    );
    try {
      slow.intake(queueUrl, [message("a", 1), message("a", 2)], Date.now(), leaseMs);
      slow.take(queueUrl, 10);
      // At half its lease the waiting a-2 is renewed; the renewal hangs while the last worker stops.
      await vi.advanceTimersByTimeAsync(2_500);
      expect(held).toHaveLength(1);
      slow.leave(queueUrl);
      await vi.advanceTimersByTimeAsync(0);
      expect(changes).toEqual([{ handles: ["rh-a-2"], seconds: [0] }]);
      // The renewal lands after the release and hides a-2 again: it goes back once more.
      held.shift()!();
      await vi.advanceTimersByTimeAsync(0);
      await settle();
      expect(changes).toEqual([
        { handles: ["rh-a-2"], seconds: [0] },
        { handles: ["rh-a-2"], seconds: [4] },
        { handles: ["rh-a-2"], seconds: [0] },
      ]);
    } finally {
      await slow.close();
    }
  });

  it("hands a head out with when its lease was last set, so the worker renews it in time", async () => {
    const receivedAt = Date.now();
    lines.intake(queueUrl, [message("a", 1)], receivedAt - 500, leaseMs);
    await vi.advanceTimersByTimeAsync(1_500);
    await settle();
    const [taken] = lines.take(queueUrl, 10);
    expect(taken!.askedAt).toBe(receivedAt - 500);
    // Renewed by the line at 1.5 s (half of its lease left, less the margin): counted from that renewal, not the receive.
    expect(changes).toEqual([{ handles: ["rh-a-1"], seconds: [4] }]);
    expect(taken!.leaseFrom).toBe(receivedAt + 1_500);
  });

  it("a late ack of an older delivery of the head (another receipt of the same message) does not move the line on", () => {
    lines.intake(queueUrl, [{ ...message("a", 1), ReceiptHandle: "rh-a-1-again" }, message("a", 2)], Date.now(), leaseMs);
    lines.take(queueUrl, 10);
    lines.acked(queueUrl, "a", "rh-a-1");
    expect(lines.take(queueUrl, 10)).toEqual([]);
    lines.acked(queueUrl, "a", "rh-a-1-again");
    expect(ids(lines.take(queueUrl, 10))).toEqual(["a-2"]);
  });

  it("drops a line when SQS refuses the renewal of a waiting message (its lease is gone), sending the rest back", async () => {
    refuse.add("rh-a-2");
    await headOutAndRenewed(lines, 2);
    expect(changes).toEqual([
      { handles: ["rh-a-2", "rh-a-3"], seconds: [4, 4] },
      { handles: ["rh-a-2", "rh-a-3"], seconds: [0, 0] },
    ]);
    lines.acked(queueUrl, "a", "rh-a-1");
    expect(lines.take(queueUrl, 10)).toEqual([]);
  });

  it("sends back a line that would wait past the visibility ceiling", async () => {
    const short = recordedLines(5_000);
    await headOutAndRenewed(short, 1);
    expect(changes).toEqual([{ handles: ["rh-a-2"], seconds: [0] }]);
    await short.close();
  });

  it("on close sends every waiting message back, and any received later at once", async () => {
    lines.intake(queueUrl, [message("a", 1), message("a", 2), message("b", 1)], Date.now(), leaseMs);
    lines.take(queueUrl, 1);
    await lines.close();
    lines.intake(queueUrl, [message("c", 1)], Date.now(), leaseMs);
    await settle();
    expect(changes.flatMap((change) => change.handles).sort()).toEqual(["rh-a-2", "rh-b-1", "rh-c-1"]);
    expect(lines.take(queueUrl, 10)).toEqual([]);
  });

  it("a message received again while it waits replaces its earlier receipt, keeping its place", () => {
    lines.intake(queueUrl, [message("a", 1), message("a", 2)], Date.now(), leaseMs);
    lines.take(queueUrl, 10);
    lines.intake(queueUrl, [{ ...message("a", 2), ReceiptHandle: "rh-a-2-again" }], Date.now(), leaseMs);
    lines.acked(queueUrl, "a", "rh-a-1");
    expect(lines.take(queueUrl, 10).map((each) => each.message.ReceiptHandle)).toEqual(["rh-a-2-again"]);
  });
});
