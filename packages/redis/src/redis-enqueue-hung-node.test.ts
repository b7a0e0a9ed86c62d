// One Redis backend whose enqueues to one queue never settle (a cluster node that stopped answering
// mid-failover, with no reset) while its other queues answer. The lane keeps two sends in flight here:
// the other send's answers must not keep the hung one's calls waiting past connectTimeout.
import { BackendUnavailableError, createConsoleLogger, createHopper, Job } from "@hopper/core";
import type { Backend } from "@hopper/core/backend";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createRedisBackend, type RedisBackend } from "./redis-backend.js";
import { DisposableRedisServer } from "./test-redis-server.js";

let server: DisposableRedisServer;
let redis: RedisBackend;
beforeAll(async () => {
  server = await DisposableRedisServer.start(["--appendfsync", "no"]);
  redis = createRedisBackend({ url: server.url });
});
afterAll(async () => {
  await redis?.close();
  await server?.stop();
});

it("an enqueue whose node never answers fails within connectTimeout while the backend's other nodes keep answering", async () => {
  class Billing extends Job<{ n: number }> { static override queue = "hung-node-billing"; async perform() {} }
  class Mail extends Job<{ n: number }> { static override queue = "hung-node-mail"; async perform() {} }
  const nodeHung: Backend = {
    specificationVersion: redis.specificationVersion,
    name: redis.name,
    capabilities: redis.capabilities,
    enqueue: (messages, options) => (messages.some((message) => message.queue === "hung-node-billing") ? new Promise(() => {}) : redis.enqueue(messages, options)),
    receive: (options) => redis.receive(options),
    close: async () => {},
  };
  const hopper = createHopper({ backend: nodeHung, jobs: [Billing, Mail], connectTimeout: "300ms", logger: createConsoleLogger("silent") });
  await Mail.performLater({ n: 0 });
  const startedAt = Date.now();
  let settledAfter = -1;
  const billing = Billing.performLater({ n: 1 }).then(
    () => "resolved",
    (error: unknown) => {
      settledAfter = Date.now() - startedAt;
      return error;
    },
  );
  let mails = 0;
  while (Date.now() - startedAt < 4000) {
    await Mail.performLater({ n: 2 }).catch(() => {}); // with one send in flight these queue behind the hung send and fail
    mails += 1;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const outcome = await billing;
  expect(mails).toBeGreaterThan(10);
  expect(BackendUnavailableError.isInstance(outcome)).toBe(true);
  expect(settledAfter).toBeLessThan(2000);
  await hopper.close();
}, 30_000);
