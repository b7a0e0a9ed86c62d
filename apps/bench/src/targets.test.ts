import { describe, expect, it } from "vitest";
import { chosenVariants, pgBossVariants } from "./subjects/peer-settings.js";
import { subjectSpecs } from "./targets.js";

describe("subjectSpecs", () => {
  const servers = { redis: "redis://r:1", postgres: "postgres://p/db" };

  it("pairs Hopper on each backend with its raw baseline and peers, all on the same server", () => {
    const { specs } = subjectSpecs(["redis", "postgres"], ["hopper", "raw", "peer"], servers, { A: "1" });
    expect(specs.map((spec) => spec.id)).toEqual(["redis/hopper", "redis/raw", "redis/bullmq", "postgres/hopper", "postgres/raw", "postgres/pg-boss", "postgres/graphile-worker", "postgres/bullmq-postgres"]);
    expect(specs.find((spec) => spec.id === "postgres/pg-boss")!.variant).toBe(chosenVariants["pg-boss"]);
    expect(specs.find((spec) => spec.id === "redis/hopper")!.variant).toBeUndefined();
    expect(new Set(specs.filter((spec) => spec.backend === "redis").map((spec) => spec.connection))).toEqual(new Set(["redis://r:1"]));
    expect(specs[0]!.env).toEqual({ A: "1" });
  });

  it("filters by kind and says why embedded backends have no comparisons", () => {
    const { specs, skipped } = subjectSpecs(["memory", "pglite", "redis"], ["hopper", "peer"], servers, {});
    expect(specs.map((spec) => [spec.id, spec.connection])).toEqual([
      ["memory/hopper", "memory://bench"],
      ["pglite/hopper", "pglite://memory"],
      ["redis/hopper", "redis://r:1"],
      ["redis/bullmq", "redis://r:1"],
    ]);
    expect(skipped.map((skip) => skip.what)).toEqual(["memory baselines and peers", "pglite baselines and peers"]);
    expect(skipped[1]!.reason).toContain("pg-boss, graphile-worker and BullMQ's PostgreSQL backend need a PostgreSQL server");
  });

  it("gives each peer one spec per settings variant in a sweep, and leaves Hopper and the raw clients alone", () => {
    const { specs } = subjectSpecs(["postgres"], ["hopper", "peer"], servers, {}, true);
    const pgBoss = specs.filter((spec) => spec.library === "pg-boss");
    expect(pgBoss.map((spec) => spec.variant)).toEqual(Object.keys(pgBossVariants));
    expect(pgBoss[0]!.id).toBe(`postgres/pg-boss[${Object.keys(pgBossVariants)[0]}]`);
    expect(specs.filter((spec) => spec.kind === "hopper").map((spec) => spec.id)).toEqual(["postgres/hopper"]);
  });

  it("takes subjects by name beside kinds: one peer without the others", () => {
    const { specs } = subjectSpecs(["redis", "postgres"], ["hopper", "pg-boss"], servers, {});
    expect(specs.map((spec) => spec.id)).toEqual(["redis/hopper", "postgres/hopper", "postgres/pg-boss"]);
  });

  // Found by the fairness review of 2026-12-07: the order came from the subject table alone, Hopper always first, so
  // pair scripts that alternated -k (hopper,bullmq then bullmq,hopper) never alternated anything.
  it("runs a backend's subjects in the order -k names them, so a pair of runs can alternate who goes first", () => {
    expect(subjectSpecs(["redis"], ["bullmq", "hopper"], servers, {}).specs.map((spec) => spec.id)).toEqual(["redis/bullmq", "redis/hopper"]);
    expect(subjectSpecs(["postgres"], ["peer", "hopper"], servers, {}).specs.map((spec) => spec.id)).toEqual(["postgres/pg-boss", "postgres/graphile-worker", "postgres/bullmq-postgres", "postgres/hopper"]);
    // A subject named twice (by kind and by name) runs once, where it was first named.
    expect(subjectSpecs(["redis"], ["raw", "hopper", "peer", "bullmq"], servers, {}).specs.map((spec) => spec.id)).toEqual(["redis/raw", "redis/hopper", "redis/bullmq"]);
  });

  it("leaves out a backend with no server (the setup already said why)", () => {
    expect(subjectSpecs(["sqs"], ["hopper"], {}, {}).specs).toEqual([]);
  });
});
