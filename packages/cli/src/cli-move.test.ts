import { randomBytes } from "node:crypto";
import { createConsoleLogger, createHopper, decodeEnvelope, type Hopper } from "@hopper/core";
import type { Backend, ReceivedMessage } from "@hopper/core/backend";
import { requireService } from "@hopper/services";
import { afterEach, describe, expect, it } from "vitest";
import { RecordVisit } from "./test-fixtures/cli-jobs.js";
import { runCliProcess, startCli } from "./test-cli.js";

const redisUrl = requireService("redis")?.HOPPER_TEST_REDIS_URL;
const postgresBase = requireService("postgres")?.HOPPER_TEST_POSTGRES_URL;
const postgresUrl = postgresBase && `${postgresBase}?schema=hopper_cli_move_test`;
const sqsEndpoint = requireService("sqs")?.HOPPER_TEST_SQS_ENDPOINT;
const sqsUrl = sqsEndpoint && `sqs://us-east-1/mv${randomBytes(3).toString("hex")}-?endpoint=${encodeURIComponent(sqsEndpoint)}&createQueues=true`;

const silent = createConsoleLogger("silent");
const uniqueQueue = (label: string) => `move-${label}-${randomBytes(4).toString("hex")}`;
const hourMs = 3_600_000;

const opened: Hopper[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((hopper) => hopper.close()));
});

/** A Hopper on `url` whose RecordVisit enqueues go there; its backend for reading. */
async function open(url: string): Promise<{ hopper: Hopper; backend: Backend }> {
  const hopper = createHopper({ url, jobs: [RecordVisit], logger: silent });
  opened.push(hopper);
  return { hopper, backend: await hopper.backend };
}

interface Enqueued {
  readonly due: string[];
  readonly urgent: string[];
  /** Delayed job id → its runAt (ms). */
  readonly delayed: Map<string, number>;
}

/** 10,000 jobs: 8,000 plain, 1,000 of priority 5, 500 due in an hour, 500 in two hours with priority 3. */
async function enqueueTenThousand(queue: string): Promise<Enqueued> {
  const args = (from: number, count: number) => Array.from({ length: count }, (_, index) => ({ n: from + index }));
  const due = await RecordVisit.set({ queue }).performAllLater(args(0, 8000));
  const urgent = await RecordVisit.set({ queue, priority: 5 }).performAllLater(args(8000, 1000));
  const enqueuedAt = Date.now();
  const inAnHour = await RecordVisit.set({ queue, wait: hourMs }).performAllLater(args(9000, 500));
  const inTwoHours = await RecordVisit.set({ queue, wait: 2 * hourMs, priority: 3 }).performAllLater(args(9500, 500));
  const delayed = new Map([...inAnHour.map((id) => [id, enqueuedAt + hourMs] as const), ...inTwoHours.map((id) => [id, enqueuedAt + 2 * hourMs] as const)]);
  return { due: [...due, ...urgent], urgent, delayed };
}

/** Receives every due message of `queue` (leased, never acked), `receivers` calls at a time, until `expected` arrived and one more look finds nothing. */
async function receiveAllDue(backend: Backend, queue: string, expected: number, receivers = 1, timeoutMs = 8 * 60_000): Promise<ReceivedMessage[]> {
  const received: ReceivedMessage[] = [];
  const deadline = Date.now() + timeoutMs;
  const receiveOnce = () => backend.receive({ queue, maxMessages: backend.capabilities.maxReceiveBatch, waitMs: 1000, leaseMs: 30 * 60_000 });
  while (received.length < expected && Date.now() < deadline) {
    for (const batch of await Promise.all(Array.from({ length: receivers }, receiveOnce))) received.push(...batch);
  }
  received.push(...(await receiveOnce()));
  return received;
}

function parseReport(stdout: string) {
  return JSON.parse(stdout) as { moved: number; delayedMoved: number; duplicates: number; failed: number; stopped: boolean; dropped: Record<string, number>; queues: { queue: string; error?: string; leftOnSource?: unknown }[]; notes: string[] };
}

describe.skipIf(!redisUrl || !postgresUrl)("hopper move, Redis to PostgreSQL", () => {
  it("moves 10,000 jobs, delayed and prioritized ones included: none lost, none twice, priorities and delays kept", { timeout: 600_000 }, async () => {
    const queue = uniqueQueue("r2p");
    const source = await open(redisUrl!);
    const jobs = await enqueueTenThousand(queue);
    const target = await open(postgresUrl!);

    const result = await runCliProcess(["move", "--from", redisUrl!, "--to", postgresUrl!, "--queue", queue, "--json"]);

    expect(result.stderr).not.toMatch(/"level":"error"/);
    expect(result.code).toBe(0);
    expect(parseReport(result.stdout)).toMatchObject({ moved: 10_000, delayedMoved: 1000, duplicates: 0, failed: 0, stopped: false });
    expect(await source.backend.stats!(queue)).toEqual({ ready: 0, delayed: 0, inFlight: 0 });
    expect(await target.backend.stats!(queue)).toEqual({ ready: 9000, delayed: 1000, inFlight: 0 });

    const due = await receiveAllDue(target.backend, queue, 9000);
    expect(due).toHaveLength(9000);
    expect(new Set(due.map((message) => message.id))).toEqual(new Set(jobs.due));
    // Priority kept: the 1,000 priority-5 jobs come first on the target.
    expect(new Set(due.slice(0, 1000).map((message) => message.id))).toEqual(new Set(jobs.urgent));
    // Bodies unchanged: the same envelope (id, attempt, meta, runAt).
    expect(decodeEnvelope(due[0]!.body)).toMatchObject({ id: due[0]!.id, attempt: 1, queue });

    const delayed = await target.backend.takeScheduled!({ queue, maxMessages: 1000, leaseMs: 30 * 60_000 });
    expect(delayed).toHaveLength(1000);
    expect(new Set(delayed.map((message) => message.id))).toEqual(new Set(jobs.delayed.keys()));
    for (const message of delayed) {
      // Due when it was on the source (its envelope's runAt): not early, not a fresh delay counted from the move.
      const runAt = Date.parse(decodeEnvelope(message.body).runAt!);
      expect(runAt).toBeGreaterThanOrEqual(jobs.delayed.get(message.id)!);
      expect(message.dueAt).toBeGreaterThanOrEqual(runAt - 5);
      expect(message.dueAt).toBeLessThan(runAt + 60_000);
    }
  });

  it("stops after the batch in hand on SIGINT: every job is on exactly one side", { timeout: 300_000 }, async () => {
    const queue = uniqueQueue("sigint");
    const source = await open(redisUrl!);
    await RecordVisit.set({ queue }).performAllLater(Array.from({ length: 3000 }, (_, n) => ({ n })));
    const target = await open(postgresUrl!);

    const move = startCli(["move", "--from", redisUrl!, "--to", postgresUrl!, "--queue", queue, "--batch-size", "50", "--json"]);
    for (let tries = 0; !move.output.stderr.includes("moving ") && tries < 1200; tries++) await new Promise((resolve) => setTimeout(resolve, 50));
    move.child.kill("SIGINT");
    const result = await move.exited;

    expect(result.code).toBe(1);
    const report = parseReport(result.stdout);
    expect(report.stopped).toBe(true);
    expect(report.moved).toBeGreaterThan(0);
    expect(report.moved).toBeLessThan(3000);
    const left = await source.backend.stats!(queue);
    const arrived = await target.backend.stats!(queue);
    expect(left.inFlight + arrived.inFlight).toBe(0);
    expect(arrived.ready).toBe(report.moved);
    expect(left.ready + arrived.ready).toBe(3000);
  });
});

describe.skipIf(!postgresUrl || !sqsUrl)("hopper move, PostgreSQL to SQS", () => {
  it("moves 10,000 jobs (priorities dropped with --drop priority, delays kept): none lost, none twice", { timeout: 600_000 }, async () => {
    const queue = uniqueQueue("p2s");
    const source = await open(postgresUrl!);
    const jobs = await enqueueTenThousand(queue);
    const target = await open(sqsUrl!);

    const refused = await runCliProcess(["move", "--from", postgresUrl!, "--to", sqsUrl!, "--queue", queue]);
    // SQS has no priorities: without --drop nothing moves, and the error says how to go on.
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain("--drop priority");
    expect(await source.backend.stats!(queue)).toEqual({ ready: 9000, delayed: 1000, inFlight: 0 });

    const result = await runCliProcess(["move", "--from", postgresUrl!, "--to", sqsUrl!, "--queue", queue, "--drop", "priority", "--json"]);

    expect(result.code).toBe(0);
    expect(parseReport(result.stdout)).toMatchObject({ moved: 10_000, delayedMoved: 1000, duplicates: 0, failed: 0, dropped: { priority: 1500 } });
    expect(await source.backend.stats!(queue)).toEqual({ ready: 0, delayed: 0, inFlight: 0 });
    expect(await target.backend.stats!(queue)).toEqual({ ready: 9000, delayed: 1000, inFlight: 0 });
    const due = await receiveAllDue(target.backend, queue, 9000, 4);
    // The delayed jobs are not among them: SQS holds them (up to its 15 minutes; the worker re-delays the rest of the hour).
    expect(due).toHaveLength(9000);
    expect(new Set(due.map((message) => message.id))).toEqual(new Set(jobs.due));
  });
});

describe.skipIf(!redisUrl || !sqsUrl)("hopper move, a target that refuses", () => {
  it("keeps on the source a job the target refused (too large for SQS), moves the others, and exits 1 naming the refusal", { timeout: 120_000 }, async () => {
    const queue = uniqueQueue("refused");
    const source = await open(redisUrl!);
    const [small] = await RecordVisit.set({ queue }).performAllLater([{ n: 1 }]);
    // Redis takes 16 MiB bodies, SQS 1 MiB.
    const [large] = await RecordVisit.set({ queue }).performAllLater([{ n: 2, padding: "x".repeat(1_200_000) } as { n: number }]);
    const target = await open(sqsUrl!);

    const result = await runCliProcess(["move", "--from", redisUrl!, "--to", sqsUrl!, "--queue", queue]);

    expect(result.code).toBe(1);
    expect(result.stdout).toContain("the target refused 1 job(s), left on the source");
    const left = await receiveAllDue(source.backend, queue, 1, 1, 20_000);
    expect(left.map((message) => message.id)).toEqual([large]);
    const arrived = await receiveAllDue(target.backend, queue, 1, 1, 20_000);
    expect(arrived.map((message) => message.id)).toEqual([small]);
  });
});

describe("hopper move: usage errors (no backend needed)", () => {
  it("exits 2 naming the flag on a URL that is not one, names no backend, or is the other one, never showing a password", { timeout: 120_000 }, async () => {
    const noScheme = await runCliProcess(["move", "--from", "localhost:6379", "--to", "redis://:secret@localhost:1", "--queue", "q"]);
    expect(noScheme.code).toBe(2);
    expect(noScheme.stderr).toContain("--from localhost:6379 has no scheme");

    const unknown = await runCliProcess(["move", "--from", "redis://localhost:1", "--to", "mysql://user:hunter2@db/app", "--queue", "q"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("--to mysql://");
    expect(unknown.stderr).toContain("no backend serves mysql://");
    expect(unknown.stderr).not.toContain("hunter2");

    const same = await runCliProcess(["move", "--from", "redis://localhost:1", "--to", "redis://localhost:1", "--queue", "q"]);
    expect(same.code).toBe(2);
    expect(same.stderr).toContain("--from and --to are the same URL");

    const noQueue = await runCliProcess(["move", "--from", "redis://localhost:1", "--to", "redis://localhost:2"]);
    expect(noQueue.code).toBe(2);
    expect(noQueue.stderr).toContain("--queue");
  });
});
