/**
 * moveJobs between two PostgreSQL backends on one database reached by two URLs (127.0.0.1 and localhost): the same
 * queues when the schema is the same, which the move refuses before anything moves; another schema is other queues.
 */
import { ConfigurationError, moveJobs } from "@hopper/core";
import { describe, expect, it } from "vitest";
import { createPostgresBackend } from "./postgres-backend.js";
import { postgresUrl, throwawaySchema } from "./test-postgres-targets.js";

const url = postgresUrl();

describe.skipIf(!url)("moveJobs on one PostgreSQL database", () => {
  const schema = throwawaySchema(url!);
  const otherSchema = throwawaySchema(url!);
  const otherUrl = () => url!.replace("127.0.0.1", "localhost");

  it("refuses a target on the same database and schema under another URL, before anything moves; another schema is not refused", async () => {
    expect(otherUrl()).not.toBe(url);
    const from = await createPostgresBackend({ connectionString: url!, schema });
    const same = await createPostgresBackend({ connectionString: otherUrl(), schema });
    const other = await createPostgresBackend({ connectionString: otherUrl(), schema: otherSchema });
    try {
      expect(await from.identity!()).toBe(await same.identity!());
      expect(await from.identity!()).not.toBe(await other.identity!());
      await from.enqueue([{ id: "job-1", queue: "moved", body: "{}" }]);
      await expect(moveJobs({ from, to: same, queues: ["moved"], idleWaitMs: 0 })).rejects.toSatisfy((error: unknown) => ConfigurationError.isInstance(error) && error.field === "to" && /holds the same queues/.test(error.message));
      expect(await from.stats!("moved")).toEqual({ ready: 1, delayed: 0, inFlight: 0 });
    } finally {
      await Promise.all([from.close(), same.close(), other.close()]);
    }
  });
});
