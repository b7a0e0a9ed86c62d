import { describe, expect, it } from "vitest";
import type { Backend, EnqueueResult, OutgoingMessage } from "./backend.js";
import { chunkMessages, sendInBatches } from "./send-in-batches.js";

/**
 * A backend whose `enqueue` answers only when told to, recording the order in
 * which chunks reached it: a unit of the chunking logic, no I/O.
 */
function heldBackend(maxBatchSize: number) {
  const arrived: string[][] = [];
  const pending: { chunk: readonly OutgoingMessage[]; answer: (error?: Error) => void }[] = [];
  const backend = {
    capabilities: { maxBatchSize },
    enqueue(chunk: readonly OutgoingMessage[]): Promise<EnqueueResult[]> {
      arrived.push(chunk.map((message) => message.id));
      return new Promise((resolve, reject) => {
        pending.push({
          chunk,
          answer: (error) => (error ? reject(error) : resolve(chunk.map((message) => ({ status: "enqueued", id: message.id }) as EnqueueResult))),
        });
      });
    },
  } as unknown as Backend;
  return { backend, arrived, pending };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));
const message = (id: string, orderingKey?: string): OutgoingMessage => ({ id, queue: "q", body: "{}", ...(orderingKey === undefined ? {} : { orderingKey }) });

describe("sendInBatches", () => {
  it("sends chunks without ordering keys in parallel", async () => {
    const { backend, arrived, pending } = heldBackend(2);
    const sending = sendInBatches(backend, ["1", "2", "3", "4", "5"].map((id) => message(id)));
    await flush();
    expect(arrived).toEqual([["1", "2"], ["3", "4"], ["5"]]);
    for (const entry of pending) entry.answer();
    expect((await sending).map((result) => result.id)).toEqual(["1", "2", "3", "4", "5"]);
  });

  it("sends a chunk only after every earlier chunk sharing one of its ordering keys has been accepted", async () => {
    const { backend, arrived, pending } = heldBackend(2);
    const sending = sendInBatches(backend, [message("a1", "a"), message("b1", "b"), message("a2", "a"), message("c1", "c"), message("c2", "c")]);
    await flush();
    // Chunks: [a1 b1] [a2 c1] [c2]. The second shares key a with the first, the third key c with the second.
    expect(arrived).toEqual([["a1", "b1"]]);
    pending[0]!.answer();
    await flush();
    expect(arrived).toEqual([["a1", "b1"], ["a2", "c1"]]);
    pending[1]!.answer();
    await flush();
    expect(arrived).toEqual([["a1", "b1"], ["a2", "c1"], ["c2"]]);
    pending[2]!.answer();
    expect((await sending).map((result) => result.status)).toEqual(["enqueued", "enqueued", "enqueued", "enqueued", "enqueued"]);
  });

  it("fails, without sending them, the later messages of an ordering key whose earlier chunk failed", async () => {
    const { backend, arrived, pending } = heldBackend(2);
    const sending = sendInBatches(backend, [message("a1", "a"), message("a2", "a"), message("a3", "a"), message("b1", "b"), message("b2", "b")]);
    await flush();
    expect(arrived).toEqual([["a1", "a2"]]);
    pending[0]!.answer(new Error("server went away"));
    await flush();
    // Chunks: [a1 a2] [a3 b1] [b2]. a3 is not sent (it would overtake a1 and a2); b1 and b2 go on, in order.
    expect(arrived).toEqual([["a1", "a2"], ["b1"]]);
    pending[1]!.answer();
    await flush();
    expect(arrived).toEqual([["a1", "a2"], ["b1"], ["b2"]]);
    pending[2]!.answer();
    const results = await sending;
    expect(results.map((result) => [result.id, result.status])).toEqual([
      ["a1", "failed"],
      ["a2", "failed"],
      ["a3", "failed"],
      ["b1", "enqueued"],
      ["b2", "enqueued"],
    ]);
    const a3 = results[2]!;
    expect(a3.status === "failed" && a3.error.message).toMatch(/earlier message with ordering key "a" failed/);
  });
});

describe("chunkMessages", () => {
  const sized = (id: string, body: string): OutgoingMessage => ({ id, queue: "q", body });
  const idsOf = (chunks: OutgoingMessage[][]) => chunks.map((chunk) => chunk.map((each) => each.id));

  it("cuts a bulk send of short bodies by count: no chunk of them could pass the byte limit", () => {
    const messages = Array.from({ length: 25 }, (_, index) => sized(`m${index}`, "x".repeat(index)));
    expect(idsOf(chunkMessages(messages, 10, 10 * 24 * 3))).toEqual([0, 10, 20].map((start) => messages.slice(start, start + 10).map((each) => each.id)));
  });

  it("cuts by counted bytes once a chunk could pass the limit, multi-byte text counted as the bytes it takes", () => {
    // "é" is 2 UTF-8 bytes: four 100-byte bodies fit 250 bytes only two at a time, though the count allows ten.
    const messages = Array.from({ length: 4 }, (_, index) => sized(`m${index}`, "é".repeat(50)));
    expect(idsOf(chunkMessages(messages, 10, 250))).toEqual([
      ["m0", "m1"],
      ["m2", "m3"],
    ]);
    // ASCII bodies of the same length take half the bytes: all four fit.
    const ascii = Array.from({ length: 4 }, (_, index) => sized(`a${index}`, "e".repeat(50)));
    expect(idsOf(chunkMessages(ascii, 10, 250))).toEqual([["a0", "a1", "a2", "a3"]]);
  });

  it("puts one message in each chunk for a backend declaring a batch size below 1 (never loops on it)", () => {
    const messages = Array.from({ length: 3 }, (_, index) => sized(`z${index}`, "{}"));
    expect(idsOf(chunkMessages(messages, 0, 1000))).toEqual([["z0"], ["z1"], ["z2"]]);
  });
});
