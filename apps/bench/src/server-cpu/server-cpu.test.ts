import { readFileSync } from "node:fs";
import { describeWithService } from "@hopper/services";
import { Redis } from "ioredis";
import pg from "pg";
import { describe, expect, it } from "vitest";
import type { SubjectSpec } from "../report/result-types.js";
import { serverCpuAround } from "../scenarios/scale-out.js";
import { isLocalPostmaster } from "./postgres-server-cpu.js";
import { openServerCpu, type ServerCpu } from "./server-cpu.js";

const spec = (backend: SubjectSpec["backend"], connection: string): SubjectSpec => ({ id: `${backend}/hopper`, backend, kind: "hopper", library: "hopper", description: "hopper", connection, env: {} });

/** Reads the server's CPU around `work`: the readings must rise by some of the work's own cost. */
async function cpuAround(subject: SubjectSpec, work: () => Promise<void>): Promise<{ source: string; usedUs: number }> {
  const reader = await openServerCpu(subject);
  expect(reader, `no server CPU reader for ${subject.connection}`).toBeDefined();
  try {
    const before = await reader!.read();
    await work();
    const after = await reader!.read();
    return { source: reader!.source, usedUs: after - before };
  } finally {
    await reader!.close();
  }
}

describeWithService("redis", (variables) => {
  it("counts the Redis server's CPU, from a Hopper URL's host and port (its path and query are no server address)", async () => {
    const url = new URL(variables.HOPPER_TEST_REDIS_URL!);
    url.pathname = "/3";
    url.searchParams.set("prefix", "bench-cpu");
    const client = new Redis(variables.HOPPER_TEST_REDIS_URL!);
    try {
      const { source, usedUs } = await cpuAround(spec("redis", url.toString()), async () => {
        // Work the server must do: 20,000 list pushes.
        for (let round = 0; round < 20; round++) await client.lpush("bench-server-cpu-test", ...Array.from({ length: 1000 }, (_, index) => `value-${index}`));
        await client.del("bench-server-cpu-test");
      });
      expect(source).toContain("redis-server");
      expect(usedUs).toBeGreaterThan(0);
    } finally {
      client.disconnect();
    }
  });
});

describeWithService("postgres", (variables) => {
  it("counts the local PostgreSQL server's processes' CPU", async () => {
    const client = new pg.Client({ connectionString: variables.HOPPER_TEST_POSTGRES_URL! });
    await client.connect();
    try {
      const { source, usedUs } = await cpuAround(spec("postgres", variables.HOPPER_TEST_POSTGRES_URL!), async () => {
        await client.query("SELECT count(*) FROM generate_series(1, 2000000)");
      });
      expect(source).toContain("PostgreSQL");
      // The query alone takes tens of milliseconds of a backend's CPU.
      expect(usedUs).toBeGreaterThan(1000);
      // The identity check behind it: the postmaster, started when the server says; not another process, nor another start.
      const { rows } = await client.query<{ pid: number; started: number }>("SELECT pg_backend_pid() AS pid, extract(epoch FROM pg_postmaster_start_time())::float8 AS started");
      const backend = readFileSync(`/proc/${rows[0]!.pid}/stat`, "utf8");
      const postmaster = Number(backend.slice(backend.lastIndexOf(")") + 2).split(" ")[1]);
      expect(isLocalPostmaster(postmaster, rows[0]!.started)).toBe(true);
      expect(isLocalPostmaster(postmaster, rows[0]!.started - 3600)).toBe(false);
      expect(isLocalPostmaster(process.pid, Date.now() / 1000)).toBe(false);
    } finally {
      await client.end();
    }
  });
});

describeWithService("sqs", (variables) => {
  it("finds the SQS emulator of @hopper/services behind an sqs:// URL's endpoint and reads its CPU so far", async () => {
    const endpoint = encodeURIComponent(variables.HOPPER_TEST_SQS_ENDPOINT!);
    const reader = await openServerCpu(spec("sqs", `sqs://us-east-1/bench-?endpoint=${endpoint}`));
    expect(reader?.source).toContain("SQS emulator");
    try {
      // A Node process that started and answered requests has used CPU (counted in 10 ms ticks).
      expect(await reader!.read()).toBeGreaterThan(0);
    } finally {
      await reader?.close();
    }
  });

  it("does not take an endpoint on another machine for the local emulator listening on the same port", async () => {
    const elsewhere = new URL(variables.HOPPER_TEST_SQS_ENDPOINT!);
    elsewhere.hostname = "10.0.0.7";
    expect(await openServerCpu(spec("sqs", `sqs://us-east-1/bench-?endpoint=${encodeURIComponent(elsewhere.toString())}`))).toBeUndefined();
  });
});

describe("openServerCpu", () => {
  it("gives no reader where the server's CPU cannot be counted: a server it cannot reach, an emulator it has no reader for, an in-process backend", async () => {
    expect(await openServerCpu(spec("redis", "redis://127.0.0.1:1"))).toBeUndefined();
    expect(await openServerCpu(spec("postgres", "postgres://nobody@127.0.0.1:1/none"))).toBeUndefined();
    expect(await openServerCpu(spec("sqs", "sqs://us-east-1/bench-?endpoint=http://127.0.0.1:1"))).toBeUndefined();
    expect(await openServerCpu(spec("pubsub", "pubsub://bench"))).toBeUndefined();
    expect(await openServerCpu(spec("memory", "memory://bench"))).toBeUndefined();
  });
});

describe("serverCpuAround", () => {
  const reader = (readings: (number | Error)[]): ServerCpu => ({
    source: "a test reader",
    read: async () => {
      const next = readings.shift();
      if (next instanceof Error || next === undefined) throw next ?? new Error("no reading left");
      return next;
    },
    close: async () => {},
  });

  it("gives the server's CPU between its readings around the drain, and the drain's outcome", async () => {
    const around = await serverCpuAround(reader([1000, 4500]), async () => "drained");
    expect(around).toMatchObject({ result: "drained", serverUs: 3500 });
    expect(around.windowMs).toBeGreaterThanOrEqual(0);
  });

  it("leaves only the server's figure out when a reading fails, before or after", async () => {
    for (const readings of [[new Error("INFO refused"), 10], [10, new Error("connection lost")]]) {
      const around = await serverCpuAround(reader(readings), async () => "drained");
      expect(around.result).toBe("drained");
      expect(around).not.toHaveProperty("serverUs");
    }
    expect(await serverCpuAround(undefined, async () => 7)).toMatchObject({ result: 7 });
  });
});
