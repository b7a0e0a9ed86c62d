import { resourceUsage } from "node:process";
import type { ScenarioName } from "../bench-plan.js";
import type { MemoryResult, SubjectResult } from "../report/result-types.js";
import { uniqueQueueName, type ScenarioContext } from "../scenarios/scenario-context.js";
import { enqueueBulkAndDrain, enqueueSingle, payloadSizes } from "../scenarios/throughput-scenarios.js";
import { delayedJobs, latencyAndRateSearch } from "../scenarios/latency-scenario.js";
import { leftConsumerRunning } from "../scenarios/rate-step-bounds.js";
import { latencyWorkerFor } from "../scenarios/latency-worker.js";
import { memoryInFlight } from "../scenarios/memory-scenario.js";
import { idleFootprint, settledRss } from "../scenarios/idle-scenario.js";
import { createSubject } from "../subjects/create-subject.js";
import { now } from "../subjects/bench-subject.js";
import { settlesBy } from "../scenarios/deadlines.js";
import type { ChildMessage, RunRequest } from "./child-protocol.js";

const closeAllowanceMs = 30_000;

/** Tracks the highest heapUsed and RSS between samples. */
function startMemorySampler() {
  let peakHeap = 0;
  let peakRss = 0;
  const sample = () => {
    const usage = process.memoryUsage();
    peakHeap = Math.max(peakHeap, usage.heapUsed);
    peakRss = Math.max(peakRss, usage.rss);
  };
  const timer = setInterval(sample, 50);
  return {
    peaks: () => {
      sample();
      return { heap: peakHeap, rss: Math.max(peakRss, resourceUsage().maxRSS * 1024) };
    },
    stop: () => clearInterval(timer),
  };
}

function send(message: ChildMessage): void {
  process.send?.(message);
}

async function run(request: RunRequest): Promise<SubjectResult> {
  const startedAt = now();
  const sampler = startMemorySampler();
  const notes: string[] = [];
  const ran: ScenarioName[] = [];
  const scenarioMs: Partial<Record<ScenarioName, number>> = {};
  let mark = now();
  const finished = (scenario: ScenarioName) => {
    ran.push(scenario);
    scenarioMs[scenario] = now() - mark;
    mark = now();
  };
  const wants = (scenario: ScenarioName) => request.scenarios.includes(scenario) && request.plan.subjects[scenario].includes(request.spec.kind);
  let result: Omit<SubjectResult, "spec" | "status" | "scenarios" | "notes" | "durationMs" | "memory"> = {};
  let memory: MemoryResult | undefined;
  let subject;
  try {
    const baseRss = wants("idle") ? settledRss() : 0;
    subject = await createSubject(request.spec);
    const context: ScenarioContext = {
      subject,
      plan: request.plan,
      progress: (label, done, total) => send({ type: "progress", label, done, total }),
      note: (text) => notes.push(text),
      queueName: uniqueQueueName,
    };
    // First, while nothing else has grown the process: what an idle worker costs.
    let idle;
    if (wants("idle")) {
      idle = await idleFootprint(context, baseRss);
      finished("idle");
    }
    if (wants("enqueue")) {
      result = { ...result, enqueueSingle: await enqueueSingle(context) };
      finished("enqueue");
    }
    if (wants("drain") || wants("enqueue")) {
      const { bulk, drain } = await enqueueBulkAndDrain(context);
      result = { ...result, ...(wants("enqueue") && { enqueueBulk: bulk }), ...(wants("drain") && { drain }) };
      if (wants("drain")) finished("drain");
    }
    const afterDrain = sampler.peaks();
    memory = {
      ...(idle && { idle }),
      peakRssBytes: afterDrain.rss,
      peakHeapBytes: afterDrain.heap,
      ...((wants("drain") || wants("enqueue")) && { drainPeakRssBytes: afterDrain.rss, drainPeakHeapBytes: afterDrain.heap }),
    };
    // Right after drain, before the big payloads inflate the heap and RSS it is measured against.
    if (wants("memory")) {
      memory = { ...memory, inFlight: await memoryInFlight(context) };
      finished("memory");
    }
    // A latency step whose consumer never stopped leaves it running (its statement too): what runs after would share the server with it.
    let consumerRunning = false;
    const skipped = (scenario: string) => notes.push(`${scenario}: not run: a latency step's consumer had not stopped, and it would share the server with this scenario`);
    if (wants("latency")) {
      const { fixed, search } = await latencyAndRateSearch(context, latencyWorkerFor(request.plan.latency.worker, request.spec, subject));
      result = { ...result, latency: fixed, rateSearch: search };
      finished("latency");
      consumerRunning = leftConsumerRunning(fixed, search);
    }
    if (wants("payload") && consumerRunning) skipped("payload");
    else if (wants("payload")) {
      result = { ...result, payload: await payloadSizes(context) };
      finished("payload");
    }
    if (wants("delayed") && consumerRunning) skipped("delayed");
    else if (wants("delayed")) {
      const delayed = await delayedJobs(context);
      if (delayed) {
        result = { ...result, delayed };
        finished("delayed");
      } else notes.push("delayed: this subject has no delayed jobs");
    }
    const peaks = sampler.peaks();
    memory = { ...memory, peakRssBytes: peaks.rss, peakHeapBytes: peaks.heap };
    return { spec: request.spec, status: "ok", scenarios: ran, scenarioMs, ...result, memory, notes, durationMs: now() - startedAt };
  } catch (error) {
    const peaks = sampler.peaks();
    return {
      spec: request.spec,
      status: "failed",
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      scenarios: ran,
      ...result,
      memory: { ...memory, peakRssBytes: peaks.rss, peakHeapBytes: peaks.heap },
      notes,
      durationMs: now() - startedAt,
    };
  } finally {
    sampler.stop();
    const closing = subject?.close().catch((error: unknown) => void notes.push(`close failed: ${(error as Error).message}`));
    // A subject whose last step left a statement running must not keep its result from the parent.
    if (closing && !(await settlesBy(closing, now() + closeAllowanceMs))) notes.push(`close had not finished after ${closeAllowanceMs / 1000} s; the child exits without it`);
  }
}

process.once("message", (request: RunRequest) => {
  void run(request).then((result) => {
    const message: ChildMessage = { type: "result", result };
    process.send?.(message, undefined, {}, () => {
      process.disconnect?.();
      // Clients with open handles (pools, gRPC channels) must not keep the child alive.
      setTimeout(() => process.exit(0), 500);
    });
  });
});
