import { describe, expect, it } from "vitest";
import { ratioRows, renderMarkdown } from "./markdown-report.js";
import { latencyPercentiles } from "../statistics.js";
import { runResult, subject } from "./test-run-result.js";

describe("renderMarkdown", () => {
  const run = runResult(
    [subject("redis/hopper", "hopper", 1000), subject("redis/raw", "raw", 2000), subject("redis/bullmq", "peer", 500), subject("memory/hopper", "hopper", 4000)],
    { skipped: [{ what: "pubsub", reason: "the emulator needs Java" }] },
  );
  const markdown = renderMarkdown(run);

  it("states the command, machine, versions and servers that produced it", () => {
    expect(markdown).toContain("command: `pnpm bench`");
    expect(markdown).toContain("2 CPU cores (Test CPU), 4.0 GiB RAM, linux x64, Node v20.0.0");
    expect(markdown).toContain("@hopper/core 0.1.0, bullmq 6.7.0");
    expect(markdown).toContain("redis local service (started)");
  });

  it("quotes medians with their min–max spread, and marks noisy and time-bound figures", () => {
    const row = markdown.split("\n").find((line) => line.startsWith("| **redis/hopper**") && line.includes("drain") === false && line.includes("2,000"));
    expect(row).toBeDefined();
    expect(row).toContain("2,000 (1,000–3,000) †");
    expect(row).toContain("1,000 ‡");
    expect(row).toContain("4,000 (4,000–4,000)");
  });

  it("gives Hopper's rate as a ratio of the raw client and each peer on the same backend only", () => {
    const rows = ratioRows(run);
    expect(rows.map((row) => row[1])).toEqual(["redis/raw (raw)", "redis/bullmq (peer)"]);
    expect(rows[0]).toEqual(["redis", "redis/raw (raw)", "0.50× †", "0.50×", "0.50× ‡", "0.50×", "0.50×", "0.50×", "0.50×"]);
    expect(rows[1]!.slice(2, 5)).toEqual(["2.00× †", "2.00×", "2.00× ‡"]);
    expect(markdown).toContain("## Hopper as a ratio of the raw client and the peers");
  });

  it("marks an unwarmed figure and every ratio built on it", () => {
    const peer = subject("postgres/pg-boss", "peer", 500);
    const coldPeer = { ...peer, enqueueBulk: { ...peer.enqueueBulk!, unwarmed: true } };
    const text = renderMarkdown(runResult([subject("postgres/hopper", "hopper", 1000), coldPeer]));
    expect(text).toContain("5,000 §");
    expect(ratioRows(runResult([subject("postgres/hopper", "hopper", 1000), coldPeer]))[0]![3]).toBe("2.00× §");
  });

  it("lists latency percentiles, the rate search and the memory figures", () => {
    expect(markdown).toContain("| **redis/hopper** | 100 / 100 | 15.0 ms | 19.5 ms | 19.9 ms | 20.0 ms | 1,000 jobs/s |");
    expect(markdown).toMatch(/\| \*\*redis\/raw\*\* \| 2\.0 GiB \| 2\.0 MiB \|/);
  });

  it("gives the run at half of the highest sustained rate its own row, and no section when no subject has one", () => {
    const atHalf = { offeredRate: 1600, concurrency: 50, offered: 3200, received: 3200, latency: latencyPercentiles([1, 2, 3, 4]), sustained: true };
    const hopper = subject("redis/hopper", "hopper", 3200);
    const withHalf = renderMarkdown(runResult([{ ...hopper, rateSearch: { ...hopper.rateSearch!, atHalf } }, subject("redis/raw", "raw", 2000)]));
    expect(withHalf).toContain("## Latency at half of the highest sustained rate");
    expect(withHalf).toContain("| **redis/hopper** | 3,200 jobs/s | 1,600 jobs/s | 3200 / 3200 |");
    expect(withHalf).not.toMatch(/\| \*\*redis\/raw\*\* \| 2,000 jobs\/s \| 1,000 jobs\/s/);
    expect(markdown).not.toContain("## Latency at half of the highest sustained rate");
  });

  it("says where the latency scenario's consumer ran, in the latency section and at half of the sustained rate", () => {
    const atHalf = { offeredRate: 1600, concurrency: 50, offered: 3200, received: 3200, latency: latencyPercentiles([1, 2, 3, 4]), sustained: true };
    const hopper = subject("redis/hopper", "hopper", 3200);
    const run = runResult([{ ...hopper, rateSearch: { ...hopper.rateSearch!, atHalf } }]);
    const layoutsOf = (text: string) => text.match(/Layout `--latency-worker \w+`/g);
    expect(layoutsOf(renderMarkdown(run))).toEqual(["Layout `--latency-worker same`", "Layout `--latency-worker same`"]);
    const split = renderMarkdown({ ...run, plan: { ...run.plan, latency: { ...run.plan.latency, worker: "process" } } });
    expect(layoutsOf(split)).toEqual(["Layout `--latency-worker process`", "Layout `--latency-worker process`"]);
    expect(split).toContain("its start in the worker minus its enqueue call in the producer");
    // Results written before the choice have no layout in their plan: they all ran `same`.
    const { worker: _absent, ...before } = run.plan.latency;
    expect(layoutsOf(renderMarkdown({ ...run, plan: { ...run.plan, latency: before as typeof run.plan.latency } }))).toEqual(["Layout `--latency-worker same`", "Layout `--latency-worker same`"]);
  });

  it("gives each subject's idle RSS and its ratio to the raw client's on the same backend", () => {
    const idle = (rssMiB: number) => ({ concurrency: 10, settleMs: 3000, rssBytes: rssMiB * 1024 * 1024, heapUsedBytes: 8 * 1024 * 1024, baseRssBytes: 40 * 1024 * 1024 });
    const withIdle = (result: ReturnType<typeof subject>, rssMiB: number) => ({ ...result, memory: { ...result.memory!, idle: idle(rssMiB) } });
    const idleRun = runResult([withIdle(subject("redis/hopper", "hopper", 1000), 66), withIdle(subject("redis/raw", "raw", 2000), 55), withIdle(subject("memory/hopper", "hopper", 4000), 50)]);
    const idleMarkdown = renderMarkdown(idleRun);
    expect(idleMarkdown).toContain("## Idle worker");
    expect(idleMarkdown).toContain("| **redis/hopper** | 66.0 MiB | 8.0 MiB | 40.0 MiB | 26.0 MiB | 1.20× |");
    // No raw client on the memory backend: no ratio, rather than one against another backend's.
    expect(idleMarkdown).toContain("| **memory/hopper** | 50.0 MiB | 8.0 MiB | 40.0 MiB | 10.0 MiB | – |");
    expect(markdown).not.toContain("## Idle worker");
  });

  it("says what was skipped or failed, and why", () => {
    const failed = runResult([subject("sqs/hopper", "hopper", 1, { status: "failed", error: "Error: boom" })], { skipped: [{ what: "pubsub", reason: "the emulator needs Java" }] });
    const text = renderMarkdown(failed);
    expect(text).toContain("- **pubsub** skipped: the emulator needs Java");
    expect(text).toContain("- **sqs/hopper** failed: Error: boom");
    expect(text).not.toContain("## Hopper as a ratio");
  });
});
