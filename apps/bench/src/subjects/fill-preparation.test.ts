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
    for (const spec of postgres) expect(withFillPreparation(bareSubject, spec).afterFill, spec.id).toBeTypeOf("function");
    for (const spec of specs.filter((candidate) => candidate.backend !== "postgres")) expect(withFillPreparation(bareSubject, spec).afterFill, spec.id).toBeUndefined();
    expect(fillPreparation("postgres")).toBe("analyze");
  });
});

describeWithService("postgres", (variables) => {
  const url = variables.HOPPER_TEST_POSTGRES_URL!;

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
