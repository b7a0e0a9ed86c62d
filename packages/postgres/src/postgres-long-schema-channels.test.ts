import { PGlite } from "@electric-sql/pglite";
import { createHopper, Job } from "@hopper/core";
import { afterAll, describe, expect, it } from "vitest";
import { createPostgresBackend } from "./postgres-backend.js";
import { createPostgresOutbox } from "./postgres-outbox.js";
import { resolveSchema } from "./postgres-schema.js";
import { silentLogger } from "./test-postgres-targets.js";

// The review of 2026-12-08: a schema of 49–50 characters (the longest names allowed) made `hopper_<schema>_records`
// and `hopper_<schema>_outbox` 64 characters, which pg_notify refuses: every write of a record failed while
// someone listened, and every outbox stage failed.
describe("NOTIFY channels of the longest schema names", () => {
  it("fit PostgreSQL's 63-byte limit for every schema name allowed, and stay apart for names that share a prefix", () => {
    const longest = resolveSchema("a".repeat(50));
    const sibling = resolveSchema(`${"a".repeat(49)}b`);
    for (const schema of [longest, sibling, resolveSchema("hopper")]) {
      for (const channel of [schema.channel, schema.recordsChannel, schema.outboxChannel]) expect(Buffer.byteLength(channel)).toBeLessThanOrEqual(63);
    }
    expect(resolveSchema("hopper")).toMatchObject({ channel: "hopper_hopper", recordsChannel: "hopper_hopper_records", outboxChannel: "hopper_hopper_outbox" });
    expect(longest.recordsChannel).not.toBe(sibling.recordsChannel);
    expect(longest.outboxChannel).not.toBe(sibling.outboxChannel);
  });

  const database = new PGlite();
  afterAll(() => database.close());

  it("an enqueue with a record listener and an outbox stage work on a 50-character schema", { timeout: 120_000 }, async () => {
    const schema = "s".repeat(50);
    class Signup extends Job<{ n: number }> {
      static override jobName = "LongSchemaSignup";
      static override queue = "long-schema";
      async perform(): Promise<void> {}
    }
    const backend = await createPostgresBackend({ pglite: database, schema });
    const outbox = await createPostgresOutbox({ pglite: database, schema });
    const hopper = createHopper({ backend, outbox, jobs: [Signup], logger: silentLogger, records: {} });
    try {
      const heard = new Set<string>();
      const stop = await hopper.events.on("job-enqueue", (event) => void heard.add(event.id));
      const id = await Signup.performLater({ n: 1 });
      await expect.poll(() => heard.has(id), { timeout: 10_000 }).toBe(true);
      await stop();
      const staged = await database.transaction((client) => Signup.set({ transaction: client }).performLater({ n: 2 }));
      expect(await database.query(`SELECT id FROM "${schema}".outbox`)).toMatchObject({ rows: [{ id: staged }] });
    } finally {
      await hopper.close();
    }
  });
});
