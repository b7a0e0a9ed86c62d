import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPostgresBackend } from "@hopper/postgres";
import { startPostgresServer, type RestartableServer } from "./reliability-servers.js";
import { requireService } from "@hopper/services";

/**
 * The PostgreSQL crash run: a server restart of a fraction of a second made every ack
 * in flight fail ("could not settle a message"), and 146 to 165 finished jobs ran again
 * once their leases ended. An ack carries its lease token, so making it again once the
 * server is back is safe: it deletes the message only while that lease holds.
 */
describe.skipIf(!requireService("postgres"))("postgres: acks during a server restart", () => {
  let server: RestartableServer;
  beforeAll(async () => {
    server = await startPostgresServer();
  }, 120_000);
  afterAll(async () => {
    await server?.dispose();
  });

  it("land once the server is back, and the jobs are not delivered again", { timeout: 120_000 }, async () => {
    const backend = await createPostgresBackend({ connectionString: server.url });
    const queue = `ack-outage-${randomBytes(4).toString("hex")}`;
    try {
      await backend.enqueue(["a", "b", "c"].map((id) => ({ id, queue, body: id })));
      const received = await backend.receive({ queue, maxMessages: 3, waitMs: 1000, leaseMs: 60_000 });
      expect(received.map((message) => message.id).sort()).toEqual(["a", "b", "c"]);
      await server.crash();
      const acks = Promise.allSettled(received.map((message) => message.ack()));
      await server.start();
      expect((await acks).map((outcome) => outcome.status)).toEqual(["fulfilled", "fulfilled", "fulfilled"]);
      expect(await backend.stats!(queue)).toEqual({ ready: 0, delayed: 0, inFlight: 0 });
    } finally {
      await backend.close();
    }
  });
});
