import { randomUUID } from "node:crypto";
import { describeWithService } from "@hopper/services";
import pg from "pg";
import { describe, expect, it } from "vitest";
import { subjectSpecs } from "../targets.js";
import type { BenchSubject } from "./bench-subject.js";
import { fillPreparation, withFillPreparation } from "./fill-preparation.js";

/** A subject whose own methods are never reached here: only the preparation added around it runs. */
const unused = (): never => {
  throw new Error("not used by this test");
};
const bareSubject: BenchSubject = {
  maxPayloadBytes: 1,
  supportsDelay: false,
  prepare: unused,
  enqueueOne: unused,
  enqueueMany: unused,
  consume: unused,
  shape: unused,
  close: unused,
};

const everySubject = (sweep: boolean) =>
  subjectSpecs(["memory", "redis", "postgres", "sqs", "pubsub"], ["hopper", "raw", "peer"], { redis: "redis://r", postgres: "postgres://p/db", sqs: "sqs://s", pubsub: "pubsub://p" }, {}, sweep).specs;

describe("fill preparation", () => {
  it.each([false, true])("is the same for every subject of a backend, Hopper, raw client and peers alike (sweep %s)", (sweep) => {
    const specs = everySubject(sweep);
    const postgres = specs.filter((spec) => spec.backend === "postgres");
    expect(postgres.map((spec) => spec.library)).toEqual(expect.arrayContaining(["hopper", "pg", "pg-boss", "graphile-worker", "bullmq-postgres"]));
    for (const spec of postgres) {
      const prepared = withFillPreparation(bareSubject, spec);
      expect(prepared.beforeFill, spec.id).toBeTypeOf("function");
      expect(prepared.afterFill, spec.id).toBeTypeOf("function");
    }
    for (const spec of specs.filter((candidate) => candidate.backend !== "postgres")) {
      const prepared = withFillPreparation(bareSubject, spec);
      expect(prepared.beforeFill, spec.id).toBeUndefined();
      expect(prepared.afterFill, spec.id).toBeUndefined();
    }
    expect(fillPreparation("postgres")).toEqual({ beforeFill: ["VACUUM", "CHECKPOINT"], afterFill: ["ANALYZE"] });
  });
});

describeWithService("postgres", (variables) => {
  const url = variables.HOPPER_TEST_POSTGRES_URL!;

  it("removes the rows earlier drains left dead and writes back dirty pages before a fill, for every PostgreSQL subject", async () => {
    const postgres = everySubject(false).filter((spec) => spec.backend === "postgres");
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      for (const spec of postgres) {
        const table = `bench_fill_${randomUUID().replace(/-/g, "").slice(0, 12)}`;
        await client.query(`CREATE TABLE ${table} (id int, padding text)`);
        try {
          // A drained queue: every row dead, its pages still on disk.
          await client.query(`INSERT INTO ${table} SELECT i, repeat('x', 100) FROM generate_series(1, 5000) i`);
          await client.query(`DELETE FROM ${table}`);
          const pages = async () => Number((await client.query<{ pages: string }>("SELECT pg_relation_size($1::regclass) / current_setting('block_size')::int AS pages", [table])).rows[0]!.pages);
          expect(await pages(), "dead rows still take their pages").toBeGreaterThan(0);
          const checkpointsBefore = await requestedCheckpoints(client);
          await withFillPreparation(bareSubject, { backend: spec.backend, connection: url }).beforeFill!("any-queue");
          // VACUUM truncates the empty pages at the table's end: the fill starts on a table as a deployment's autovacuum leaves it.
          expect(await pages(), spec.id).toBe(0);
          expect(await requestedCheckpoints(client), spec.id).toBeGreaterThan(checkpointsBefore);
        } finally {
          await client.query(`DROP TABLE ${table}`);
        }
      }
    } finally {
      await client.end();
    }
  });

  it("names the grant a role without CHECKPOINT rights needs, instead of measuring on an unprepared server", async () => {
    const role = `bench_fill_${randomUUID().replace(/-/g, "").slice(0, 12)}`;
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(`CREATE ROLE ${role} LOGIN PASSWORD 'bench'`);
      const limited = new URL(url);
      limited.username = role;
      limited.password = "bench";
      await expect(withFillPreparation(bareSubject, { backend: "postgres", connection: limited.toString() }).beforeFill!("any-queue")).rejects.toThrow(/pg_checkpoint/);
    } finally {
      await client.query(`DROP ROLE IF EXISTS ${role}`);
      await client.end();
    }
  });

  it("brings the planner's statistics current for a table filled since it was last analyzed, for every PostgreSQL subject", async () => {
    const postgres = everySubject(false).filter((spec) => spec.backend === "postgres");
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      for (const spec of postgres) {
        const table = `bench_fill_${randomUUID().replace(/-/g, "").slice(0, 12)}`;
        await client.query(`CREATE TABLE ${table} (id int)`);
        try {
          await client.query(`INSERT INTO ${table} SELECT generate_series(1, 1000)`);
          const estimate = async () => Number((await client.query<{ reltuples: number }>("SELECT reltuples FROM pg_class WHERE relname = $1", [table])).rows[0]!.reltuples);
          expect(await estimate(), "never analyzed").toBe(-1);
          await withFillPreparation(bareSubject, { backend: spec.backend, connection: url }).afterFill!("any-queue");
          expect(await estimate(), spec.id).toBe(1000);
        } finally {
          await client.query(`DROP TABLE ${table}`);
        }
      }
    } finally {
      await client.end();
    }
  });
});

/** Checkpoints requested so far (by CHECKPOINT among others): pg_stat_bgwriter up to PostgreSQL 16, pg_stat_checkpointer after. */
async function requestedCheckpoints(client: pg.Client): Promise<number> {
  const version = Number((await client.query<{ server_version_num: string }>("SHOW server_version_num")).rows[0]!.server_version_num);
  const text = version >= 170000 ? "SELECT num_requested AS n FROM pg_stat_checkpointer" : "SELECT checkpoints_req AS n FROM pg_stat_bgwriter";
  return Number((await client.query<{ n: string }>(text)).rows[0]!.n);
}
