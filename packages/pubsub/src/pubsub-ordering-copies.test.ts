import type { Backend, ReceivedMessage } from "@hopper/core/backend";
import { afterEach, describe, expect, it } from "vitest";
import { createTestBackend, emulatorProject } from "./test-pubsub-service.js";

const project = emulatorProject();

/**
 * On a subscription with message ordering, a redelivery brings back every later
 * message too, acked or still out (Pub/Sub documents it per ordering key; the
 * emulator does it for keyless messages as well once a deadline runs out). A copy
 * of a message this process is still running must not start beside it: it waits,
 * and goes with the first one's outcome.
 */
describe.skipIf(!project)("Pub/Sub with messageOrdering: a redelivered copy of a message still out here", () => {
  const opened: Backend[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((backend) => backend.close()));
  });

  it("is not handed out while the first copy's lease is live, and is acked with it", { timeout: 90_000 }, async () => {
    const backend = createTestBackend(project!, { messageOrdering: true });
    opened.push(backend);
    const queue = `copies${Date.now().toString(36)}`;
    await backend.enqueue([{ id: "first", queue, body: "{}" }]);
    await backend.enqueue([{ id: "second", queue, body: "{}" }]);
    const out: ReceivedMessage[] = [];
    for (let attempt = 0; attempt < 10 && out.length < 2; attempt++) out.push(...(await backend.receive({ queue, maxMessages: 10, waitMs: 1000, leaseMs: 60_000 })));
    expect(out.map((message) => message.id).sort()).toEqual(["first", "second"]);
    const [first, second] = ["first", "second"].map((id) => out.find((message) => message.id === id)!);

    // A hold: "first" comes back after a second, and the emulator sends "second" (still out here) with it.
    await first!.nack({ retryAfterMs: 1000 });
    const again: ReceivedMessage[] = [];
    const deadline = Date.now() + 30_000;
    while (!again.some((message) => message.id === "first") && Date.now() < deadline) again.push(...(await backend.receive({ queue, maxMessages: 10, waitMs: 1000, leaseMs: 60_000 })));
    // Whatever else came back, "second" is not handed out again while its first copy runs.
    expect(again.map((message) => message.id)).toEqual(["first"]);

    await Promise.all([second!.ack(), again[0]!.ack()]);
    // Its waiting copy went with the ack: nothing comes back.
    const after: ReceivedMessage[] = [];
    for (let attempt = 0; attempt < 3; attempt++) after.push(...(await backend.receive({ queue, maxMessages: 10, waitMs: 1000, leaseMs: 60_000 })));
    expect(after.map((message) => message.id)).toEqual([]);
  });
});
