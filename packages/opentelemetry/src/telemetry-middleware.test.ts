import { Writable } from "node:stream";
import { ConfigurationError, createConsoleLogger, createHopper, Job, type JobContext, type Middleware } from "@hopper/core";
import { context as otelContext, propagation, SpanKind, trace } from "@opentelemetry/api";
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from "@opentelemetry/core";
import pino from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { pinoLogger } from "./pino-logger.js";
import { messagingSystem } from "./semantic-conventions.js";
import { openTelemetryMiddleware } from "./telemetry-middleware.js";
import { startTestSdk } from "./test-telemetry-sdk.js";

let storeCount = 0;

function countedJob(onRun: () => void) {
  return class Counted extends Job<{ n: number }> {
    static override jobName = "Counted";
    static override queue = "counted";
    async perform() {
      onRun();
    }
  };
}
type CountedJob = ReturnType<typeof countedJob>;

/** Runs `count` enqueued jobs on a fresh memory backend with `middleware`; resolves once all have run. */
async function runJobs(middleware: Middleware[], enqueue: (job: CountedJob) => Promise<unknown>, count: number): Promise<void> {
  let left = count;
  let done: () => void;
  const allRun = new Promise<void>((resolve) => (done = resolve));
  const Counted = countedJob(() => {
    if (--left === 0) done();
  });
  const hopper = createHopper({ url: `memory://otel-${++storeCount}`, jobs: [Counted], middleware, logger: createConsoleLogger("silent") });
  await enqueue(Counted);
  const worker = hopper.worker({ queues: ["counted"], pollWait: "50ms", handleSignals: false });
  const running = worker.run();
  await allRun;
  await worker.stop();
  await running;
  await hopper.close();
}

// One SDK per test file: it sets the process's context manager.
const sdk = startTestSdk();
afterAll(() => sdk.shutdown());

describe("openTelemetryMiddleware", () => {
  const tracer = sdk.tracerProvider.getTracer("test");
  const inRequest = <T>(work: () => Promise<T>) =>
    tracer.startActiveSpan("request", async (span) => {
      try {
        return await work();
      } finally {
        span.end();
      }
    });

  it("a bulk enqueue is one send span with the batch size, the parent of every job's perform span", async () => {
    const middleware = openTelemetryMiddleware({ tracerProvider: sdk.tracerProvider, meterProvider: sdk.meterProvider, propagator: sdk.propagator });
    await runJobs([middleware], (job) => inRequest(() => job.performAllLater([{ n: 1 }, { n: 2 }, { n: 3 }])), 3);
    const send = sdk.spans().filter((span) => span.kind === SpanKind.PRODUCER).at(-1)!;
    expect(send.attributes).toMatchObject({ "messaging.batch.message_count": 3, "messaging.system": "hopper_memory" });
    expect(send.attributes).not.toHaveProperty("messaging.message.id");
    const performs = sdk.spans().filter((span) => span.kind === SpanKind.CONSUMER && span.traceId === send.traceId);
    expect(performs.map((span) => span.parentSpanId)).toEqual([send.spanId, send.spanId, send.spanId]);
  });

  it('consumerSpan: "link" starts the perform span in its own trace, linked to the send span', async () => {
    const middleware = openTelemetryMiddleware({ tracerProvider: sdk.tracerProvider, meterProvider: sdk.meterProvider, propagator: sdk.propagator, consumerSpan: "link" });
    let id: string | undefined;
    await runJobs([middleware], async (job) => (id = await inRequest(() => job.performLater({ n: 1 }))), 1);
    const send = sdk.spans().find((span) => span.attributes["messaging.message.id"] === id && span.kind === SpanKind.PRODUCER)!;
    const perform = sdk.spans().find((span) => span.attributes["messaging.message.id"] === id && span.kind === SpanKind.CONSUMER)!;
    expect(perform.traceId).not.toBe(send.traceId);
    expect(perform.parentSpanId).toBeUndefined();
    expect(perform.links).toEqual([{ traceId: send.traceId, spanId: send.spanId }]);
  });

  it('with a baggage propagator, "parent" runs a job under the producer\'s baggage and "link" does not (the README says so)', async () => {
    const propagator = new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] });
    const tenantInRun = async (consumerSpan: "parent" | "link") => {
      let seen: string | undefined = "not run";
      const middleware = openTelemetryMiddleware({ tracerProvider: sdk.tracerProvider, meterProvider: sdk.meterProvider, propagator, consumerSpan });
      const withBaggage = propagation.setBaggage(otelContext.active(), propagation.createBaggage({ tenant: { value: "acme" } }));
      const Counted = countedJob(() => (seen = propagation.getBaggage(otelContext.active())?.getEntry("tenant")?.value));
      const hopper = createHopper({ url: `memory://otel-${++storeCount}`, jobs: [Counted], middleware: [middleware], logger: createConsoleLogger("silent") });
      await otelContext.with(withBaggage, () => inRequest(() => Counted.performLater({ n: 1 })));
      const worker = hopper.worker({ queues: ["counted"], pollWait: "50ms", handleSignals: false });
      const running = worker.run();
      for (let tries = 0; seen === "not run" && tries < 100; tries++) await new Promise((resolve) => setTimeout(resolve, 20));
      await worker.stop();
      await running;
      await hopper.close();
      return seen;
    };
    expect(await tenantInRun("parent")).toBe("acme");
    expect(await tenantInRun("link")).toBeUndefined();
  });

  it("with no SDK given or registered, jobs run and nothing is added to their meta", async () => {
    const seen: Record<string, string>[] = [];
    const recordMeta: Middleware = { perform: (context, next) => (seen.push({ ...context.meta }), next()) };
    await runJobs([openTelemetryMiddleware(), recordMeta], (job) => inRequest(() => job.performLater({ n: 1 })), 1);
    expect(seen).toEqual([{}]);
  });

  it("made before any SDK is registered, it traces once one is registered globally", async () => {
    const middleware = openTelemetryMiddleware();
    const before = sdk.spans().length;
    await runJobs([middleware], (job) => job.performLater({ n: 1 }), 1);
    // Nothing registered: the fast path runs the job and makes no span.
    expect(sdk.spans().length).toBe(before);

    trace.setGlobalTracerProvider(sdk.tracerProvider);
    propagation.setGlobalPropagator(sdk.propagator);
    try {
      await runJobs([middleware], (job) => job.performLater({ n: 2 }), 1);
      const made = sdk.spans().slice(before);
      expect(made.map((span) => span.kind).sort()).toEqual([SpanKind.PRODUCER, SpanKind.CONSUMER].sort());
      // The send span's context rode in the envelope: the process span is its child.
      const send = made.find((span) => span.kind === SpanKind.PRODUCER)!;
      expect(made.find((span) => span.kind === SpanKind.CONSUMER)!.parentSpanId).toBe(send.spanId);
    } finally {
      trace.disable();
      propagation.disable();
    }
  });

  it("refuses an unknown consumerSpan, naming the field", () => {
    const error = (() => {
      try {
        openTelemetryMiddleware({ consumerSpan: "child" as "link" });
      } catch (caught) {
        return caught;
      }
    })();
    expect(ConfigurationError.isInstance(error) && error.field).toBe("consumerSpan");
  });

  it("refuses a misspelt option rather than use the global provider in its place, naming it", () => {
    expect(() => openTelemetryMiddleware({ tracer: sdk.tracerProvider } as never)).toThrow(/^tracer: "tracer" is not an option of openTelemetryMiddleware\(\): use one of tracerProvider, meterProvider, propagator, consumerSpan$/);
  });

  it("messaging.system: the conventions' values for SQS and Pub/Sub, documented ones for the others, a backend's own name otherwise", () => {
    expect(["sqs", "pubsub", "redis", "postgres", "pglite", "memory", "custom", "constructor"].map(messagingSystem)).toEqual(["aws_sqs", "gcp_pubsub", "redis", "postgresql", "postgresql", "hopper_memory", "custom", "constructor"]);
  });
});

describe("pinoLogger", () => {

  it("writes Hopper's message and fields as a pino line, the error under err, with the active span's trace id", () => {
    const lines: Record<string, unknown>[] = [];
    const stream = new Writable({ write: (chunk: Buffer, _encoding, callback) => (lines.push(JSON.parse(chunk.toString())), callback()) });
    const logger = pinoLogger(pino({ level: "debug" }, stream));
    const traceId = sdk.tracerProvider.getTracer("test").startActiveSpan("run", (span) => {
      logger.warn("job failed; retrying", { jobId: "j1", attempt: 2, error: new TypeError("boom") });
      span.end();
      return span.spanContext().traceId;
    });
    logger.info("worker started");
    expect(lines[0]).toMatchObject({ level: 40, msg: "job failed; retrying", jobId: "j1", attempt: 2, err: { type: "TypeError", message: "boom" }, trace_id: traceId });
    expect(lines[0]).not.toHaveProperty("error");
    expect(lines[1]).toMatchObject({ level: 30, msg: "worker started" });
    expect(lines[1]).not.toHaveProperty("trace_id");
  });

  it("every worker line about a run joins its process span: the job's fields with that span's trace_id and span_id, also after the span ended", async () => {
    const lines: Record<string, unknown>[] = [];
    const stream = new Writable({ write: (chunk: Buffer, _encoding, callback) => (lines.push(JSON.parse(chunk.toString())), callback()) });
    class Logged extends Job<{ n: number }> {
      static override jobName = "Logged";
      static override queue = "logged";
      static override retry = { attempts: 2, wait: 10, jitter: 0 };
      async perform(_args: { n: number }, context: JobContext) {
        context.logger.info("working", { step: 1 });
        throw new TypeError("boom");
      }
    }
    const hopper = createHopper({
      url: "memory://otel-logged",
      jobs: [Logged],
      middleware: [openTelemetryMiddleware({ tracerProvider: sdk.tracerProvider, meterProvider: sdk.meterProvider, propagator: sdk.propagator })],
      logger: pinoLogger(pino({ level: "debug" }, stream)),
    });
    const id = await Logged.performLater({ n: 1 });
    const worker = hopper.worker({ queues: ["logged"], pollWait: "20ms", handleSignals: false });
    const running = worker.run();
    const deadline = Date.now() + 10_000;
    while (!lines.some((line) => line.msg === "job dead-lettered") && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    await worker.stop();
    await running;
    await hopper.close();

    const processSpans = sdk.spans().filter((span) => span.kind === SpanKind.CONSUMER && span.attributes["messaging.message.id"] === id);
    const spanOfAttempt = (attempt: unknown) => processSpans.find((span) => span.attributes["hopper.job.attempt"] === attempt)!;
    const about = lines.filter((line) => line.jobId === id);
    expect(about.map((line) => line.msg)).toEqual(["job started", "working", "job failed; retrying", "job started", "working", "job dead-lettered"]);
    for (const line of about) {
      const span = spanOfAttempt(line.attempt);
      expect(line).toMatchObject({ jobId: id, job: "Logged", queue: "logged", backend: "memory", trace_id: span.traceId, span_id: span.spanId, trace_flags: "01" });
    }
    expect(about.find((line) => line.msg === "job dead-lettered")).toMatchObject({ attempt: 2, durationMs: expect.any(Number), err: { type: "TypeError", message: "boom" } });
  });
});

