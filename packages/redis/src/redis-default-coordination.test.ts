import { randomUUID } from "node:crypto";
import { createConsoleLogger, createHopper, Job } from "@hopper/core";
import { afterAll, describe, expect, it } from "vitest";
import { redisUrl } from "./test-redis-service.js";

// Two Hoppers on one redis:// URL stand for two processes: with no coordination
// option they share the Redis server's coordination store, not one each in memory.
describe.skipIf(!redisUrl)("a redis:// Hopper coordinates through the same Redis by default", () => {
  const queue = `default-coordination-${randomUUID().slice(0, 8)}`;
  class Export extends Job<{ accountId: string }> {
    static override queue = queue;
    static override unique = { key: (args: { accountId: string }) => args.accountId };
    async perform() {}
  }
  const logger = createConsoleLogger("silent");
  const first = createHopper({ url: redisUrl!, jobs: [Export], logger });
  const second = createHopper({ url: redisUrl!, jobs: [Export], logger });
  afterAll(async () => {
    await Promise.all([first.close(), second.close()]);
  });

  it("a unique key taken through one is seen by the other", async () => {
    const accountId = `acct-${randomUUID()}`;
    const id = await first.enqueue(Export, { accountId });
    expect(await second.enqueue(Export, { accountId })).toBe(id);
    expect(await second.enqueue(Export, { accountId: `${accountId}-other` })).not.toBe(id);
  });
});
