/**
 * Scripts are defined on the ioredis client once per name (defineCommands). Backends and stores of one release share
 * a client freely; a second release of @hopper/redis in the same process, on the same client, would send its own
 * arguments to the first release's scripts (a receive's reply read as another shape), so it is refused by name.
 * No server: defining a command sends nothing.
 */
import { ConfigurationError } from "@hopper/core";
import { Redis } from "ioredis";
import { describe, expect, it } from "vitest";
import { createRedisBackend } from "./redis-backend.js";
import { createRedisRecordStore } from "./redis-record-store.js";
import { defineCommands } from "./script-files.js";

describe("redis script definitions on a shared client", () => {
  it("a backend and a record store of this release share one client; another source under a defined name is refused", () => {
    const client = new Redis({ lazyConnect: true });
    try {
      createRedisBackend({ client });
      createRedisBackend({ client, keyPrefix: "other" });
      createRedisRecordStore({ client });
      const receive = (client as unknown as Record<string, unknown>).hopperReceive;
      expect(typeof receive).toBe("function");

      // What another release's copy of this package would do with its own receive.lua.
      let refusal: unknown;
      try {
        defineCommands(client, [["hopperReceive", 4, "return { 0, -1, 0 }"]]);
      } catch (error) {
        refusal = error;
      }
      expect(ConfigurationError.isInstance(refusal)).toBe(true);
      expect((refusal as ConfigurationError).field).toBe("client");
      expect((refusal as Error).message).toMatch(/hopperReceive.*give each its own client/);
      expect((client as unknown as Record<string, unknown>).hopperReceive).toBe(receive);
    } finally {
      client.disconnect();
    }
  });

  it("a command a caller defined on the client itself is kept (how the rolling-deploy tests run a previous release's scripts)", () => {
    const client = new Redis({ lazyConnect: true });
    try {
      client.defineCommand("hopperStats", { numberOfKeys: 4, lua: "return { 1, 2, 3 }" });
      const own = (client as unknown as Record<string, unknown>).hopperStats;
      createRedisBackend({ client });
      expect((client as unknown as Record<string, unknown>).hopperStats).toBe(own);
    } finally {
      client.disconnect();
    }
  });
});
