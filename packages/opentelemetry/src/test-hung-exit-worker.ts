// Test-only child process for telemetry-hung-exit.test.ts: a worker whose job ignores its 200 ms timeout, told to
// exit 100 ms past it (before the middleware's own early end of the span, a second past it), beside a job with no
// timeout that ignores the ShutdownError the exit's graceful stop aborts it with. Spans are batched for a
// minute, as an exporter over the network would have them: only the middleware's beforeExit can write them out.
// Each span the exporter is handed is appended to HUNG_SPANS_FILE as a JSON line.
import { appendFileSync } from "node:fs";
import { createConsoleLogger, createHopper, Job } from "@hopper/core";
import { createMemoryBackend } from "@hopper/core/memory";
import { BatchSpanProcessor, TracerProvider, type ReadableSpan } from "@opentelemetry/sdk-trace";
import { openTelemetryMiddleware } from "./telemetry-middleware.js";

const file = process.env.HUNG_SPANS_FILE!;
const exporter = {
  export(spans: ReadableSpan[], done: (result: { code: number }) => void) {
    for (const span of spans) appendFileSync(file, `${JSON.stringify({ name: span.name, attributes: span.attributes, status: span.status })}\n`);
    done({ code: 0 });
  },
  async shutdown() {},
};
const tracerProvider = new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter, scheduledDelayMillis: 60_000 })] });

class Stuck extends Job<Record<string, never>> {
  static override queue = "hung-telemetry";
  static override timeout = 200;
  async perform() {
    process.stdout.write("started\n");
    await new Promise(() => {}); // ignores its signal, never settles
  }
}
class Stubborn extends Job<Record<string, never>> {
  static override queue = "hung-telemetry";
  async perform() {
    process.stdout.write("stubborn started\n");
    await new Promise(() => {}); // ignores its signal, never settles
  }
}
const hopper = createHopper({ backend: createMemoryBackend(), jobs: [Stuck, Stubborn], logger: createConsoleLogger("silent"), middleware: [openTelemetryMiddleware({ tracerProvider })] });
await Stubborn.performLater({});
await Stuck.performLater({});
await hopper.worker({ queues: ["hung-telemetry"], concurrency: 2, handleSignals: false, shutdownTimeout: "100ms", exitOnHungJob: "100ms" }).run();
process.stdout.write("worker returned\n");
