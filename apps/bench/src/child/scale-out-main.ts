import { makeJobs, enqueueInBatches } from "../scenarios/scenario-context.js";
import { WorkerStarts } from "../scenarios/scale-out-starts.js";
import { createSubject } from "../subjects/create-subject.js";
import { now, type BenchSubject, type Consumer } from "../subjects/bench-subject.js";
import type { ScaleOutMessage, ScaleOutRequest } from "./scale-out-protocol.js";

/** How often a worker reports its new starts while draining. */
const reportEveryMs = 100;

function send(message: ScaleOutMessage): void {
  process.send?.(message);
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

let subject: BenchSubject | undefined;
let consumer: Consumer | undefined;
let starts = new WorkerStarts(0);
let reporter: NodeJS.Timeout | undefined;
let queue = "";
let concurrency = 1;
/** The process's CPU use when its consumer started, so "stopped" can say what the consuming cost. */
let cpuAtStart: NodeJS.CpuUsage | undefined;

async function handle(request: ScaleOutRequest): Promise<void> {
  switch (request.type) {
    case "fill": {
      subject = await createSubject(request.spec);
      await subject.prepare(request.queue);
      const startedAt = now();
      // Jobs are made per batch so a 100,000-job fill does not hold them all at once.
      for (let filled = 0; filled < request.jobs; filled += request.batch) {
        await enqueueInBatches(subject, request.queue, makeJobs(Math.min(request.batch, request.jobs - filled), 0, filled), request.batch);
      }
      const filledMs = now() - startedAt;
      // Untimed, before any worker starts: the server prepared as for every other drain (fill-preparation.ts).
      await subject.afterFill?.(request.queue);
      send({ type: "filled", ms: filledMs });
      return;
    }
    case "work":
      subject ??= await createSubject(request.spec);
      queue = request.queue;
      concurrency = request.concurrency;
      starts = new WorkerStarts(request.jobs, request.timed);
      send({ type: "ready" });
      return;
    case "start": {
      if (!subject) throw new Error("start before work");
      cpuAtStart = process.cpuUsage();
      consumer = await subject.consume(queue, concurrency, (job) => starts.start(job.seq, now(), job.sentAt));
      send({ type: "consuming", at: now(), shape: subject.shape(concurrency) });
      reporter = setInterval(sendStarts, reportEveryMs);
      return;
    }
    case "stop": {
      clearInterval(reporter);
      const used = cpuAtStart && process.cpuUsage(cpuAtStart);
      await consumer?.stop();
      consumer = undefined;
      sendStarts();
      send({ type: "stopped", ...(used && { cpuUs: used.user + used.system }) });
      return;
    }
    case "close":
      await subject?.close();
      send({ type: "closed" });
      exitSoon();
      return;
  }
}

function sendStarts(): void {
  const report = starts.take();
  if (report) send({ type: "count", ...report });
}

let leaving = false;

function exitSoon(): void {
  leaving = true;
  process.disconnect?.();
  // Clients with open handles (pools, gRPC channels) must not keep the child alive.
  setTimeout(() => process.exit(0), 500).unref();
}

// A parent gone without "close" (a subject child killed past its budget forks the latency worker) must not leave this one consuming.
process.on("disconnect", () => {
  if (!leaving) process.exit(1);
});

process.on("message", (request: ScaleOutRequest) => {
  handle(request).catch((error: unknown) => send({ type: "failed", error: describe(error) }));
});
