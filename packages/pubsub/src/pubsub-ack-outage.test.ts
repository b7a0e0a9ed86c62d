// Found by the pull-path review of 2026-12-07: acks and deadline changes went out with the client's own bound (retries
// for up to 600 s), so through an outage close() waited ten minutes for the acks in flight, past any shutdown grace.
import { createServer, connect, type Server, type Socket } from "node:net";
import { PubSub } from "@google-cloud/pubsub";
import { afterEach, describe, expect, it } from "vitest";
import type { Backend } from "@hopper/core/backend";
import { createPubSubBackend } from "./pubsub-backend.js";
import { emulatorProject } from "./test-pubsub-service.js";

const project = emulatorProject();

/** A TCP relay to the emulator that can be cut: every connection dropped, new ones refused. */
async function relayTo(host: string, port: number): Promise<{ port: number; cut(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(port, host);
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on("error", () => {});
      socket.on("close", () => sockets.delete(socket));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as { port: number }).port,
    async cut() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}

describe.skipIf(!project)("Pub/Sub through an outage", () => {
  const opened: Backend[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((backend) => backend.close().catch(() => {})));
  });

  it("an ack in flight fails within its bound, and close() ends, rather than retrying for ten minutes", { timeout: 60_000 }, async () => {
    const [host = "localhost", port = "8085"] = (process.env.PUBSUB_EMULATOR_HOST ?? "").split(":");
    const relay = await relayTo(host, Number(port));
    const client = new PubSub({ projectId: project!, apiEndpoint: `127.0.0.1:${relay.port}` });
    const backend = createPubSubBackend({ client, topicPrefix: `outage${Date.now().toString(36)}-` });
    opened.push(backend);
    await backend.enqueue([{ id: "job", queue: "q", body: "{}" }]);
    const [message] = await backend.receive({ queue: "q", maxMessages: 1, waitMs: 5000, leaseMs: 60_000 });
    expect(message?.id).toBe("job");

    await relay.cut();
    const acked = message!.ack().then(
      () => "acked",
      (error: unknown) => `failed: ${(error as Error).message}`,
    );
    await backend.close();
    await client.close();
    // Within the test's minute: the bound is 10 s (before, the client's own 600 s outlasted it).
    expect(await acked).toMatch(/^failed: /);
  });
});
