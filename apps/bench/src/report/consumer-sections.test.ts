import { describe, expect, it } from "vitest";
import { consumerSection, scaleOutSection, sweepSection } from "./consumer-sections.js";
import type { ScaleOutPoint } from "./result-types.js";
import { rate, runResult, spec, subject } from "./test-run-result.js";

const point = (workers: number, jobsPerSecond: number, extra: Partial<ScaleOutPoint> = {}): ScaleOutPoint => ({
  workers,
  concurrency: 10,
  jobs: 1000,
  done: 1000,
  elapsedMs: 1000,
  rate: jobsPerSecond,
  timedOut: false,
  perWorker: Array.from({ length: workers }, () => 1000 / workers),
  ...extra,
});

describe("scaleOutSection", () => {
  it("gives each N's rate and the speed-up over one worker, and says how many cores the machine has", () => {
    const run = runResult([subject("redis/hopper", "hopper", 1, { scaleOut: [point(1, 1000), point(2, 1500, { timedOut: true })] })]);
    const text = scaleOutSection({ ...run, plan: { ...run.plan, scaleOut: { ...run.plan.scaleOut, workers: [1, 2] } } })!;
    expect(text).toContain("**This machine has 2 CPU cores**");
    expect(text).toContain("| **redis/hopper** | 1,000 | 1,500 ‡ | 1.50× at 2 ‡ | 500 / 500 |");
  });

  it("is absent when no subject ran the scenario", () => {
    expect(scaleOutSection(runResult([subject("redis/hopper", "hopper", 1)]))).toBeUndefined();
  });

  it("gives the server's and the workers' CPU per job and cores where they were counted, and no CPU table where nothing was", () => {
    const counted = point(1, 1000, { serverCpuUsPerJob: 21.04, serverCores: 0.42, workersCpuUsPerJob: 30, workersCores: 0.6 });
    const run = runResult([
      subject("redis/hopper", "hopper", 1, { scaleOut: [counted, point(2, 1500, { workersCpuUsPerJob: 31.5, workersCores: 0.95 })] }),
      subject("postgres/pg-boss", "peer", 1, { scaleOut: [point(1, 900), point(2, 800)] }),
    ]);
    const text = scaleOutSection({ ...run, plan: { ...run.plan, scaleOut: { ...run.plan.scaleOut, workers: [1, 2] } } })!;
    expect(text).toContain("| subject | 1: server | 1: workers | 2: server | 2: workers |");
    expect(text).toContain("| **redis/hopper** | 21.0 (0.42) | 30.0 (0.60) | – | 31.5 (0.95) |");
    expect(text).not.toContain("| **postgres/pg-boss** | –");
    const uncounted = runResult([subject("postgres/pg-boss", "peer", 1, { scaleOut: [point(1, 900)] })]);
    expect(scaleOutSection(uncounted)).not.toContain("CPU time per job");
  });
});

describe("consumerSection", () => {
  it("lists each subject's prefetch per concurrency, its ack overlap and its settings", () => {
    const shape = (concurrency: number) => ({ concurrency, prefetch: 500, ackOverlapsReceive: true, variant: "localQueue=500,batch 0", settings: { localQueueSize: 500 } });
    const peer = subject("postgres/graphile-worker", "peer", 1, {
      drain: [
        { concurrency: 1, rate: rate([1]), consumer: shape(1) },
        { concurrency: 10, rate: rate([1]), consumer: shape(10) },
      ],
    });
    expect(consumerSection(runResult([peer]))).toContain("| **postgres/graphile-worker** | localQueue=500,batch 0 | 500 | 500 | yes | localQueueSize 500 |");
  });
});

describe("sweepSection", () => {
  it("puts the best variant at each concurrency in bold, per peer", () => {
    const variant = (name: string, scale: number) => ({ ...subject(`postgres/pg-boss[${name}]`, "peer", scale), spec: { ...spec("postgres/pg-boss", "peer"), id: `postgres/pg-boss[${name}]`, library: "pg-boss", variant: name } });
    const run = runResult([variant("batch=c", 2), variant("batch=500,burst", 800)]);
    const text = sweepSection({ ...run, plan: { ...run.plan, sweepPeerSettings: true } })!;
    expect(text).toContain("| postgres/pg-boss | batch=500,burst | **800 ‡** |");
    expect(text).toContain("| postgres/pg-boss | batch=c | 2.0 ‡ |");
    expect(sweepSection(run)).toBeUndefined();
  });
});
