import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { createConsoleLogger, createHopper } from "@hopper/core";
import { createRedisBackend } from "@hopper/redis";
import { requireService } from "@hopper/services";
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { afterAll, describe, expect, it } from "vitest";
import { openTelemetryMiddleware } from "./telemetry-middleware.js";
import { telemetryJobs } from "./test-telemetry-jobs.js";
import { metricTotal, startTestSdk, type MetricPoint, type SpanRecord } from "./test-telemetry-sdk.js";

const redisUrl = requireService("redis")?.HOPPER_TEST_REDIS_URL;

/** Starts the child worker; resolves with what it exported once it has run `runs` attempts. */
function runChildWorker(env: Record<string, string>): Promise<{ spans: SpanRecord[]; metrics: MetricPoint[] }> {
  const child = spawn(process.execPath, ["--conditions=@hopper/source", "--import", "tsx", fileURLToPath(new URL("./test-telemetry-worker.ts", import.meta.url))], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  let stdout = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve(JSON.parse(stdout)) : reject(new Error(`child worker exited with ${code}: ${stdout}`))));
  });
}

describe.skipIf(!redisUrl)("traces and metrics across two processes on Redis", () => {
  const sdk = startTestSdk();
  afterAll(() => sdk.shutdown());

  it("the enqueuing span is the parent of every perform span in the worker process, one span per attempt, and the counts match", async () => {
    const keyPrefix = `otel-${randomUUID().slice(0, 8)}`;
    const queue = "telemetry";
    const { Succeeds, Flaky, Doomed } = telemetryJobs(queue);
    const hopper = createHopper({
      backend: createRedisBackend({ url: redisUrl!, keyPrefix }),
      jobs: [Succeeds, Flaky, Doomed],
      logger: createConsoleLogger("silent"),
      middleware: [openTelemetryMiddleware({ tracerProvider: sdk.tracerProvider, meterProvider: sdk.meterProvider, propagator: sdk.propagator })],
    });
    const tracer = sdk.tracerProvider.getTracer("test");
    // 1 + 3 + 2 attempts: Succeeds once, Flaky fails twice then succeeds, Doomed fails twice and is dead.
    const child = runChildWorker({ TELEMETRY_REDIS_URL: redisUrl!, TELEMETRY_KEY_PREFIX: keyPrefix, TELEMETRY_QUEUE: queue, TELEMETRY_RUNS: "6" });
    const ids = await tracer.startActiveSpan("request", async (request) => {
      try {
        return [await Succeeds.performLater({ n: 1 }), await Flaky.performLater({ n: 2 }), ...(await Doomed.performAllLater([{ n: 3 }]))];
      } finally {
        request.end();
      }
    });
    const worker = await child;
    await hopper.close();

    const request = sdk.spans().find((span) => span.name === "request")!;
    const sends = sdk.spans().filter((span) => span.kind === SpanKind.PRODUCER);
    expect(sends).toHaveLength(3);
    for (const [index, send] of sends.entries()) {
      expect(send).toMatchObject({ name: `send ${queue}`, traceId: request.traceId, parentSpanId: request.spanId });
      expect(send.attributes).toEqual({
        "messaging.system": "redis",
        "messaging.destination.name": queue,
        "hopper.queue.name": queue,
        "messaging.operation.type": "send",
        "messaging.operation.name": "send",
        "messaging.message.id": ids[index],
        "hopper.job.name": ["Succeeds", "Flaky", "Doomed"][index],
      });
    }

    const processes = worker.spans.filter((span) => span.kind === SpanKind.CONSUMER);
    expect(processes).toHaveLength(6);
    for (const span of processes) {
      const send = sends.find((candidate) => candidate.attributes["messaging.message.id"] === span.attributes["messaging.message.id"])!;
      expect(span).toMatchObject({ name: `process ${queue}`, traceId: request.traceId, parentSpanId: send.spanId, links: [{ traceId: request.traceId, spanId: send.spanId }] });
      expect(span.attributes).toMatchObject({ "messaging.system": "redis", "messaging.destination.name": queue, "messaging.operation.type": "process", "messaging.operation.name": "process", "hopper.job.name": send.attributes["hopper.job.name"] });
    }
    const attemptsOf = (job: string) =>
      processes
        .filter((span) => span.attributes["hopper.job.name"] === job)
        .map((span) => [span.attributes["hopper.job.attempt"], span.status, span.attributes["hopper.job.outcome"] ?? null, span.attributes["error.type"] ?? null, span.exceptions])
        .sort((a, b) => (a[0] as number) - (b[0] as number));
    expect(attemptsOf("Succeeds")).toEqual([[1, SpanStatusCode.UNSET, null, null, 0]]);
    expect(attemptsOf("Flaky")).toEqual([
      [1, SpanStatusCode.ERROR, "retrying", "TypeError", 1],
      [2, SpanStatusCode.ERROR, "retrying", "TypeError", 1],
      [3, SpanStatusCode.UNSET, null, null, 0],
    ]);
    expect(attemptsOf("Doomed")).toEqual([
      [1, SpanStatusCode.ERROR, "retrying", "RangeError", 1],
      [2, SpanStatusCode.ERROR, "dead", "RangeError", 1],
    ]);

    const enqueuerMetrics = await sdk.metrics();
    expect(metricTotal(enqueuerMetrics, "messaging.client.sent.messages", { "messaging.destination.name": queue, "messaging.operation.name": "send" })).toBe(3);
    expect(metricTotal(enqueuerMetrics, "messaging.client.sent.messages", { "hopper.job.name": "Flaky", "messaging.system": "redis" })).toBe(1);
    const counts = Object.fromEntries(
      ["succeeded", "failed", "retried", "dead", "discarded"].map((name) => [name, metricTotal(worker.metrics, `hopper.jobs.${name}`, { "messaging.destination.name": queue })]),
    );
    // Started: every delivery handed to a job, as the conventions' consumed-messages counter.
    expect({ started: metricTotal(worker.metrics, "messaging.client.consumed.messages", { "messaging.destination.name": queue, "messaging.operation.name": "process" }), ...counts }).toEqual({
      started: 6,
      succeeded: 2,
      failed: 4,
      retried: 3,
      dead: 1,
      discarded: 0,
    });
    expect(metricTotal(worker.metrics, "hopper.jobs.failed", { "hopper.job.name": "Flaky" })).toBe(2);
    // Every attempt is timed; the queue wait only up to each job's first run.
    expect(metricTotal(worker.metrics, "messaging.process.duration")).toBe(6);
    expect(metricTotal(worker.metrics, "messaging.process.duration", { "error.type": "RangeError" })).toBe(2);
    expect(metricTotal(worker.metrics, "hopper.job.queue_wait")).toBe(3);
  });
});
