import { describe, expect, it, vi } from "vitest";
import type { Backend, EnqueueResult, OutgoingMessage } from "./backend/backend.js";
import { EnqueueCoalescer } from "./enqueue-coalescer.js";
import { createMemoryBackend } from "./memory/memory-backend.js";

interface HeldSend {
  readonly ids: string[];
  /** Lets the backend answer this send. */
  answer(): void;
}

/** A memory backend keeping two sends in flight (as Redis does) whose sends are answered when the test says. */
function answeredOnCue(): { backend: Backend; sends: HeldSend[] } {
  const memory = createMemoryBackend({ capabilities: { enqueueSendsInFlight: 2 } });
  const sends: HeldSend[] = [];
  const backend: Backend = {
    specificationVersion: memory.specificationVersion,
    name: memory.name,
    capabilities: memory.capabilities,
    enqueue: (messages, options) =>
      new Promise<EnqueueResult[]>((resolve, reject) => {
        sends.push({ ids: messages.map((message) => message.id), answer: () => void memory.enqueue(messages, options).then(resolve, reject) });
      }),
    receive: (options) => memory.receive(options),
    close: () => memory.close(),
  };
  return { backend, sends };
}

const message = (id: string): OutgoingMessage => ({ id, queue: "lane", body: "{}" });
const enqueued = (...ids: string[]) => ids.map((id) => ({ status: "enqueued", id }));

describe("the enqueue lane, two sends in flight", () => {
  it("a lone call goes at once, and so does a call made while one send is on the wire", async () => {
    const { backend, sends } = answeredOnCue();
    const lane = new EnqueueCoalescer(backend);
    const first = lane.send([message("a")]);
    expect(sends.map((send) => send.ids)).toEqual([["a"]]);
    const second = lane.send([message("b")]);
    expect(sends.map((send) => send.ids)).toEqual([["a"], ["b"]]);
    for (const send of sends) send.answer();
    expect([...(await first), ...(await second)]).toEqual(enqueued("a", "b"));
  });

  it("the callers a send answered, enqueuing again at once, go together in one send, not the first of them alone beside the rest", async () => {
    const { backend, sends } = answeredOnCue();
    const lane = new EnqueueCoalescer(backend);
    let again: Promise<EnqueueResult[]>[] = [];
    // Three request handlers whose jobs shared a send, each enqueuing its next job as soon as it hears back.
    const first = lane.send([message("a"), message("b"), message("c")]).then((results) => {
      again = ["x", "y", "z"].map((id) => lane.send([message(id)]));
      return results;
    });
    sends[0]!.answer();
    expect(await first).toEqual(enqueued("a", "b", "c"));
    // The answered send's place frees at the end of the turn that answered it.
    await vi.waitFor(() => expect(sends.length).toBeGreaterThanOrEqual(2));
    await new Promise((resolve) => setImmediate(resolve));
    expect(sends.map((send) => send.ids)).toEqual([["a", "b", "c"], ["x", "y", "z"]]);
    sends[1]!.answer();
    expect((await Promise.all(again)).flat()).toEqual(enqueued("x", "y", "z"));
  });
});

describe("the enqueue lane, both places free", () => {
  /** `callers` calls made in one turn while both places are taken, then both sends answered in one turn: what goes next. */
  async function nextSends(callers: number): Promise<string[][]> {
    const { backend, sends } = answeredOnCue();
    const lane = new EnqueueCoalescer(backend);
    const onTheWire = [lane.send([message("a")]), lane.send([message("b")])];
    const ids = Array.from({ length: callers }, (_, index) => `c${index}`);
    const waiting = ids.map((id) => lane.send([message(id)]));
    for (const send of sends) send.answer();
    await Promise.all(onTheWire);
    await vi.waitFor(() => expect(sends.length).toBeGreaterThan(2));
    await new Promise((resolve) => setImmediate(resolve));
    const next = sends.slice(2).map((send) => send.ids);
    for (const send of sends.slice(2)) send.answer();
    expect((await Promise.all(waiting)).flat()).toEqual(enqueued(...ids));
    return next;
  }

  // Split in two (half to each free place, so the server stores one half while the other's callers build their next
  // jobs) measured slower in the bench: benchmarks/results/redis-lane-split-2026-12-06.md.
  it("ten calls waiting for two free places go together in one send, in call order", async () => {
    expect(await nextSends(10)).toEqual([["c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7", "c8", "c9"]]);
  });
});
