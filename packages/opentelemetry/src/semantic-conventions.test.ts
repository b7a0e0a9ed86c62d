// The names this package emits, checked against @opentelemetry/semantic-conventions at the version it
// pins (a dev dependency only: its incubating entry point may break in a minor release, so the runtime
// code keeps its own copies, as that package advises) and against what the real SDK exports from a run.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { createConsoleLogger, createHopper, Job, type JobClass, type JobContext } from "@hopper/core";
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import * as semconv from "@opentelemetry/semantic-conventions/incubating";
import { afterAll, describe, expect, it } from "vitest";
import * as ours from "./semantic-conventions.js";
import { openTelemetryMiddleware } from "./telemetry-middleware.js";
import { startTestSdk, type MetricPoint } from "./test-telemetry-sdk.js";

const sdk = startTestSdk();
afterAll(() => sdk.shutdown());
const tracer = sdk.tracerProvider.getTracer("test");
const middleware = () => openTelemetryMiddleware({ tracerProvider: sdk.tracerProvider, meterProvider: sdk.meterProvider, propagator: sdk.propagator });

class Fine extends Job<{ n: number }> {
  static override jobName = "Fine";
  static override queue = "conventions";
  async perform() {}
}
/** Throws a value that is not an Error, once: dead at its first attempt. */
class LeaksUrl extends Job<{ n: number }> {
  static override jobName = "LeaksUrl";
  static override queue = "conventions";
  static override retry = { attempts: 1 };
  async perform() {
    throw new Error("could not reach postgres://app:hunter2secret@db/x", { cause: new Error("Authorization: Bearer tok3nvalue123") });
  }
}

class ThrowsString extends Job<{ n: number }> {
  static override jobName = "ThrowsString";
  static override queue = "conventions";
  static override retry = { attempts: 1 };
  async perform() {
    throw "not an Error";
  }
}

let stores = 0;
/** Enqueues inside a "request" span, then runs every message with runMessage inside `ambient` (a push handler's HTTP span), or with none. */
async function enqueueAndRun(jobs: readonly JobClass[], enqueue: () => Promise<unknown>, ambient?: string): Promise<void> {
  const hopper = createHopper({ url: `memory://conventions-${++stores}`, jobs: [...jobs], middleware: [middleware()], logger: createConsoleLogger("silent") });
  await tracer.startActiveSpan("request", async (span) => {
    await enqueue();
    span.end();
  });
  const backend = await hopper.backend;
  const messages = await backend.receive({ queue: "conventions", maxMessages: 10, waitMs: 0, leaseMs: 30_000 });
  for (const message of messages) {
    const run = () => hopper.runMessage({ queue: "conventions", body: message.body, id: message.id, deliveryAttempt: 1 });
    if (ambient === undefined) await run();
    else await tracer.startActiveSpan(ambient, async (span) => (await run(), span.end()));
  }
  await hopper.close();
}

const spansOf = (name: string) => sdk.spans().filter((span) => span.name === name);
const pointsOf = (points: readonly MetricPoint[], name: string) => points.filter((point) => point.name === name);

describe(`messaging semantic conventions v${ours.MESSAGING_SEMCONV_VERSION}`, () => {
  it("pins the version of the conventions package the names are checked against", () => {
    // The package exports no package.json: find it above its main entry (build/src/index.js).
    const main = createRequire(import.meta.url).resolve("@opentelemetry/semantic-conventions");
    const { name, version } = JSON.parse(readFileSync(join(dirname(main), "..", "..", "package.json"), "utf8")) as { name: string; version: string };
    expect([name, version]).toEqual(["@opentelemetry/semantic-conventions", ours.MESSAGING_SEMCONV_VERSION]);
  });

  it("attribute names, operation types, messaging.system values and metric names are the conventions' own", () => {
    expect({
      system: ours.ATTR_MESSAGING_SYSTEM,
      destination: ours.ATTR_MESSAGING_DESTINATION_NAME,
      operationType: ours.ATTR_MESSAGING_OPERATION_TYPE,
      operationName: ours.ATTR_MESSAGING_OPERATION_NAME,
      messageId: ours.ATTR_MESSAGING_MESSAGE_ID,
      batchCount: ours.ATTR_MESSAGING_BATCH_MESSAGE_COUNT,
      errorType: ours.ATTR_ERROR_TYPE,
      errorOther: ours.ERROR_TYPE_VALUE_OTHER,
      send: ours.MESSAGING_OPERATION_TYPE_VALUE_SEND,
      process: ours.MESSAGING_OPERATION_TYPE_VALUE_PROCESS,
      sqs: ours.messagingSystem("sqs"),
      sqsFifo: ours.messagingSystem("sqs-fifo"),
      pubsub: ours.messagingSystem("pubsub"),
      sent: ours.METRIC_MESSAGING_CLIENT_SENT_MESSAGES,
      consumed: ours.METRIC_MESSAGING_CLIENT_CONSUMED_MESSAGES,
      processDuration: ours.METRIC_MESSAGING_PROCESS_DURATION,
      operationDuration: ours.METRIC_MESSAGING_CLIENT_OPERATION_DURATION,
    }).toEqual({
      system: semconv.ATTR_MESSAGING_SYSTEM,
      destination: semconv.ATTR_MESSAGING_DESTINATION_NAME,
      operationType: semconv.ATTR_MESSAGING_OPERATION_TYPE,
      operationName: semconv.ATTR_MESSAGING_OPERATION_NAME,
      messageId: semconv.ATTR_MESSAGING_MESSAGE_ID,
      batchCount: semconv.ATTR_MESSAGING_BATCH_MESSAGE_COUNT,
      errorType: semconv.ATTR_ERROR_TYPE,
      errorOther: semconv.ERROR_TYPE_VALUE_OTHER,
      send: semconv.MESSAGING_OPERATION_TYPE_VALUE_SEND,
      process: semconv.MESSAGING_OPERATION_TYPE_VALUE_PROCESS,
      sqs: semconv.MESSAGING_SYSTEM_VALUE_AWS_SQS,
      sqsFifo: semconv.MESSAGING_SYSTEM_VALUE_AWS_SQS,
      pubsub: semconv.MESSAGING_SYSTEM_VALUE_GCP_PUBSUB,
      sent: semconv.METRIC_MESSAGING_CLIENT_SENT_MESSAGES,
      consumed: semconv.METRIC_MESSAGING_CLIENT_CONSUMED_MESSAGES,
      processDuration: semconv.METRIC_MESSAGING_PROCESS_DURATION,
      operationDuration: semconv.METRIC_MESSAGING_CLIENT_OPERATION_DURATION,
    });
  });

  it("send is a PRODUCER span named `send <queue>` whose context each message carries; process is a CONSUMER span named `process <queue>`, a child of it that also links to it", async () => {
    let id = "";
    await enqueueAndRun([Fine], async () => (id = await Fine.performLater({ n: 1 })));
    const [send] = spansOf(`${semconv.MESSAGING_OPERATION_TYPE_VALUE_SEND} conventions`).filter((span) => span.attributes[semconv.ATTR_MESSAGING_MESSAGE_ID] === id);
    const [processSpan] = spansOf(`${semconv.MESSAGING_OPERATION_TYPE_VALUE_PROCESS} conventions`).filter((span) => span.attributes[semconv.ATTR_MESSAGING_MESSAGE_ID] === id);
    expect(send).toMatchObject({ kind: SpanKind.PRODUCER, links: [] });
    expect(send!.attributes).toMatchObject({
      [semconv.ATTR_MESSAGING_SYSTEM]: "hopper_memory",
      [semconv.ATTR_MESSAGING_DESTINATION_NAME]: "conventions",
      [semconv.ATTR_MESSAGING_OPERATION_TYPE]: semconv.MESSAGING_OPERATION_TYPE_VALUE_SEND,
      [semconv.ATTR_MESSAGING_OPERATION_NAME]: "send",
    });
    // One message, one send call: no batch count (the conventions say not to set it for a single message).
    expect(send!.attributes).not.toHaveProperty(semconv.ATTR_MESSAGING_BATCH_MESSAGE_COUNT);
    expect(processSpan).toMatchObject({ kind: SpanKind.CONSUMER, traceId: send!.traceId, parentSpanId: send!.spanId, links: [{ traceId: send!.traceId, spanId: send!.spanId }] });
    expect(processSpan!.attributes).toMatchObject({
      [semconv.ATTR_MESSAGING_SYSTEM]: "hopper_memory",
      [semconv.ATTR_MESSAGING_DESTINATION_NAME]: "conventions",
      [semconv.ATTR_MESSAGING_OPERATION_TYPE]: semconv.MESSAGING_OPERATION_TYPE_VALUE_PROCESS,
      [semconv.ATTR_MESSAGING_OPERATION_NAME]: "process",
      [semconv.ATTR_MESSAGING_MESSAGE_ID]: id,
    });
  });

  it("a process span parented by the creation context inside another span (a push handler's HTTP span) links to both", async () => {
    let id = "";
    await enqueueAndRun([Fine], async () => (id = await Fine.performLater({ n: 2 })), "POST /hopper");
    const send = sdk.spans().find((span) => span.kind === SpanKind.PRODUCER && span.attributes[semconv.ATTR_MESSAGING_MESSAGE_ID] === id)!;
    const processSpan = sdk.spans().find((span) => span.kind === SpanKind.CONSUMER && span.attributes[semconv.ATTR_MESSAGING_MESSAGE_ID] === id)!;
    const http = spansOf("POST /hopper").find((span) => span.traceId !== send.traceId && span.spanId === processSpan.links[1]?.spanId);
    expect(http).toBeDefined();
    expect(processSpan).toMatchObject({ parentSpanId: send.spanId, links: [{ traceId: send.traceId, spanId: send.spanId }, { traceId: http!.traceId, spanId: http!.spanId }] });
  });

  it("a failed job's span carries its error with credentials hidden, as its record and log line do", async () => {
    let id = "";
    await enqueueAndRun([LeaksUrl], async () => (id = await LeaksUrl.performLater({ n: 7 })));
    const processSpan = sdk.spans().find((span) => span.kind === SpanKind.CONSUMER && span.attributes[semconv.ATTR_MESSAGING_MESSAGE_ID] === id)!;
    expect(processSpan.status).toBe(SpanStatusCode.ERROR);
    expect(processSpan.statusMessage).toContain("postgres://***@db/x");
    expect(processSpan.exceptionTexts.length).toBe(1);
    const sent = JSON.stringify(processSpan);
    expect(sent).not.toContain("hunter2secret");
    expect(sent).not.toContain("tok3nvalue123");
    // The error's class stays what it was.
    expect(processSpan.attributes[semconv.ATTR_ERROR_TYPE]).toBe("Error");
  });

  it("a run past its timeout that ignores its signal gets its span ended a second later, marked hung, while perform still runs; one that heeds it ends as usual", async () => {
    let hungReturned = false;
    class IgnoresTimeout extends Job<{ n: number }> {
      static override jobName = "IgnoresTimeout";
      static override queue = "conventions";
      static override timeout = "50ms";
      static override retry = { attempts: 1 };
      async perform() {
        await new Promise((resolve) => setTimeout(resolve, 2500));
        hungReturned = true;
      }
    }
    class HeedsTimeout extends Job<{ n: number }> {
      static override jobName = "HeedsTimeout";
      static override queue = "conventions";
      static override timeout = "50ms";
      static override retry = { attempts: 1 };
      async perform(_args: { n: number }, context: JobContext) {
        await new Promise((resolve) => context.signal.addEventListener("abort", resolve, { once: true }));
        throw context.signal.reason;
      }
    }
    const hopper = createHopper({ url: `memory://conventions-${++stores}`, jobs: [IgnoresTimeout, HeedsTimeout], middleware: [middleware()], logger: createConsoleLogger("silent") });
    const hungId = await IgnoresTimeout.performLater({ n: 1 });
    const heededId = await HeedsTimeout.performLater({ n: 2 });
    const backend = await hopper.backend;
    const messages = await backend.receive({ queue: "conventions", maxMessages: 10, waitMs: 0, leaseMs: 30_000 });
    const runs = messages.map((message) => hopper.runMessage({ queue: "conventions", body: message.body, id: message.id, deliveryAttempt: 1 }));
    const processSpanOf = (id: string) => sdk.spans().find((span) => span.kind === SpanKind.CONSUMER && span.attributes[semconv.ATTR_MESSAGING_MESSAGE_ID] === id);
    for (let waited = 0; !processSpanOf(hungId) && waited < 2400; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
    const hung = processSpanOf(hungId);
    // Exported while perform had not returned.
    expect(hungReturned).toBe(false);
    expect(hung?.status).toBe(SpanStatusCode.ERROR);
    expect(hung?.attributes).toMatchObject({ [semconv.ATTR_ERROR_TYPE]: "JobTimeoutError", "hopper.job.hung": true });
    await Promise.all(runs);
    await hopper.close();
    expect(hungReturned).toBe(true);
    const heeded = processSpanOf(heededId);
    expect(heeded?.status).toBe(SpanStatusCode.ERROR);
    expect(heeded?.attributes[semconv.ATTR_ERROR_TYPE]).toBe("JobTimeoutError");
    expect(heeded?.attributes["hopper.job.hung"]).toBeUndefined();
    // Each ended once: the hung run's own end later changed nothing.
    expect(sdk.spans().filter((span) => span.attributes[semconv.ATTR_MESSAGING_MESSAGE_ID] === hungId && span.kind === SpanKind.CONSUMER)).toHaveLength(1);
  });

  it("a thrown value that is not an Error is error.type _OTHER on the span and the process duration", async () => {
    let id = "";
    await enqueueAndRun([ThrowsString], async () => (id = await ThrowsString.performLater({ n: 3 })));
    const processSpan = sdk.spans().find((span) => span.kind === SpanKind.CONSUMER && span.attributes[semconv.ATTR_MESSAGING_MESSAGE_ID] === id)!;
    expect(processSpan.status).toBe(SpanStatusCode.ERROR);
    expect(processSpan.attributes).toMatchObject({ [semconv.ATTR_ERROR_TYPE]: semconv.ERROR_TYPE_VALUE_OTHER, "hopper.job.outcome": "dead" });
    const failed = pointsOf(await sdk.metrics(), semconv.METRIC_MESSAGING_PROCESS_DURATION).filter((point) => point.attributes["hopper.job.name"] === "ThrowsString");
    expect(failed.map((point) => point.attributes[semconv.ATTR_ERROR_TYPE])).toEqual([semconv.ERROR_TYPE_VALUE_OTHER]);
  });

  it("metrics: sent and consumed messages in {message}, send and process durations in s with the conventions' buckets, error.type only on failures", async () => {
    const before = await sdk.metrics();
    await enqueueAndRun([Fine, ThrowsString], async () => {
      await Fine.performAllLater([{ n: 4 }, { n: 5 }]);
      await ThrowsString.performLater({ n: 6 });
    });
    const after = await sdk.metrics();
    const added = (name: string, attributes: Record<string, unknown>) => {
      const sum = (points: readonly MetricPoint[]) =>
        pointsOf(points, name)
          .filter((point) => Object.entries(attributes).every(([key, value]) => point.attributes[key] === value) && (attributes[semconv.ATTR_ERROR_TYPE] !== undefined || !(semconv.ATTR_ERROR_TYPE in point.attributes)))
          .reduce((total, point) => total + point.value, 0);
      return sum(after) - sum(before);
    };
    const labels = { [semconv.ATTR_MESSAGING_SYSTEM]: "hopper_memory", [semconv.ATTR_MESSAGING_DESTINATION_NAME]: "conventions" };
    const send = { ...labels, [semconv.ATTR_MESSAGING_OPERATION_NAME]: "send" };
    const processed = { ...labels, [semconv.ATTR_MESSAGING_OPERATION_NAME]: "process" };
    expect({
      sent: added(semconv.METRIC_MESSAGING_CLIENT_SENT_MESSAGES, send),
      sendCalls: added(semconv.METRIC_MESSAGING_CLIENT_OPERATION_DURATION, { ...send, [semconv.ATTR_MESSAGING_OPERATION_TYPE]: "send" }),
      consumed: added(semconv.METRIC_MESSAGING_CLIENT_CONSUMED_MESSAGES, processed),
      processedFine: added(semconv.METRIC_MESSAGING_PROCESS_DURATION, { ...processed, "hopper.job.name": "Fine" }),
      processedFailed: added(semconv.METRIC_MESSAGING_PROCESS_DURATION, { ...processed, [semconv.ATTR_ERROR_TYPE]: "_OTHER" }),
    }).toEqual({ sent: 3, sendCalls: 2, consumed: 3, processedFine: 2, processedFailed: 1 });

    const unitOf = (name: string) => [...new Set(pointsOf(after, name).map((point) => point.unit))];
    expect(unitOf(semconv.METRIC_MESSAGING_CLIENT_SENT_MESSAGES)).toEqual(["{message}"]);
    expect(unitOf(semconv.METRIC_MESSAGING_CLIENT_CONSUMED_MESSAGES)).toEqual(["{message}"]);
    expect(unitOf(semconv.METRIC_MESSAGING_PROCESS_DURATION)).toEqual(["s"]);
    expect(unitOf(semconv.METRIC_MESSAGING_CLIENT_OPERATION_DURATION)).toEqual(["s"]);
    const conventionBuckets = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
    expect(pointsOf(after, semconv.METRIC_MESSAGING_PROCESS_DURATION)[0]!.boundaries).toEqual(conventionBuckets);
    expect(pointsOf(after, semconv.METRIC_MESSAGING_CLIENT_OPERATION_DURATION)[0]!.boundaries).toEqual(conventionBuckets);
  });
});
