import { countPromisesPerDrainedJob } from "@hopper/conformance";
import { describe, expect, it } from "vitest";
import { createRedisBackend } from "./redis-backend.js";
import { redisUrl } from "./test-redis-service.js";

describe.skipIf(!redisUrl)("redis: records riding with the claim and the ack", () => {
  it("cost a drained job no promise: as many per job with records on as off", { timeout: 60_000 }, async () => {
    const off = await countPromisesPerDrainedJob(() => createRedisBackend({ url: redisUrl! }), false);
    const on = await countPromisesPerDrainedJob(() => createRedisBackend({ url: redisUrl! }), true);
    console.log(`[redis promises per drained job] records off ${off.toFixed(2)}, on ${on.toFixed(2)}`);
    expect(off).toBeGreaterThan(0);
    // A receive more or less at the end of a drain moves the count by a few hundredths; a promise per job is 1.
    expect(on).toBeLessThan(off + 0.5);
  });
});
