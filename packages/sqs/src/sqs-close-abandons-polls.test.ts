// Found by the pull-path review of 2026-12-07: close() aborted the long polls in flight on the client only. SQS (and
// fauxqs) serves a long poll to its end whoever is still there: a message sent in its remaining seconds was leased
// to the closed connection, hidden for its whole lease and then delivered counted. close() now lets an abandoned poll
// run out and hands back what it brings, uncounted, as a receive given up at stop already was.
import { afterEach, describe, expect, it } from "vitest";
import type { Backend } from "@hopper/core/backend";
import { createTestBackend, sqsEndpoint } from "./test-sqs-service.js";

describe.skipIf(!sqsEndpoint)("SQS close() with a long poll in flight", () => {
  const opened: Backend[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((backend) => backend.close()));
  });

  it("a message sent while the closed backend's poll still waits goes back uncounted, at once", { timeout: 30_000 }, async () => {
    const queue = `close-poll-${Date.now().toString(36)}`;
    const closing = createTestBackend(sqsEndpoint!);
    const other = createTestBackend(sqsEndpoint!);
    opened.push(other);
    // Both sides make the queue first, so the poll below waits on the server rather than creating it.
    await other.enqueue([{ id: "warm", queue, body: "{}" }]);
    const [warm] = await other.receive({ queue, maxMessages: 1, waitMs: 2000, leaseMs: 30_000 });
    await warm!.ack();

    const pending = closing.receive({ queue, maxMessages: 1, waitMs: 5000, leaseMs: 30_000 });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const closed = closing.close();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await other.enqueue([{ id: "job", queue, body: "{}" }]);
    expect(await pending).toEqual([]);
    await closed;

    const [message] = await other.receive({ queue, maxMessages: 1, waitMs: 3000, leaseMs: 30_000 });
    expect({ id: message?.id, attempt: message?.deliveryAttempt }).toEqual({ id: "job", attempt: 1 });
    await message!.ack();
  });
});
