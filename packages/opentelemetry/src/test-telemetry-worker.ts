// Test-only child process for telemetry-redis-processes.test.ts: runs the telemetry jobs under the real
// SDK until TELEMETRY_RUNS perform spans have ended, then prints {spans, metrics} as one JSON line and exits.
import { createConsoleLogger, createHopper } from "@hopper/core";
import { createRedisBackend } from "@hopper/redis";
import { SpanKind } from "@opentelemetry/api";
import { openTelemetryMiddleware } from "./telemetry-middleware.js";
import { telemetryJobs } from "./test-telemetry-jobs.js";
import { startTestSdk } from "./test-telemetry-sdk.js";

const url = process.env.TELEMETRY_REDIS_URL!;
const keyPrefix = process.env.TELEMETRY_KEY_PREFIX!;
const queue = process.env.TELEMETRY_QUEUE!;
const runs = Number(process.env.TELEMETRY_RUNS);

let ended = 0;
let finish: () => void;
const allRun = new Promise<void>((resolve) => (finish = resolve));
const sdk = startTestSdk((span) => {
  if (span.kind === SpanKind.CONSUMER && ++ended === runs) finish();
});
const { Succeeds, Flaky, Doomed } = telemetryJobs(queue);
const hopper = createHopper({
  backend: createRedisBackend({ url, keyPrefix }),
  jobs: [Succeeds, Flaky, Doomed],
  logger: createConsoleLogger("silent"),
  middleware: [openTelemetryMiddleware({ tracerProvider: sdk.tracerProvider, meterProvider: sdk.meterProvider, propagator: sdk.propagator })],
});
const worker = hopper.worker({ queues: [queue], concurrency: 4, pollWait: "200ms", handleSignals: false });
const running = worker.run();
await allRun;
// Let the last failure settle (dead letter written, message acked) before the worker stops.
await worker.stop({ timeout: "5s" });
await running;
const output = { spans: sdk.spans(), metrics: await sdk.metrics() };
await sdk.shutdown();
// The backend given to createHopper stays open past hopper.close(): exit once the line is out.
process.stdout.write(`${JSON.stringify(output)}\n`, () => process.exit(0));
