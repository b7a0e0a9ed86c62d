import { afterEach, describe, expect, it } from "vitest";
import type { Backend, ReceivedMessage } from "../backend/backend.js";
import { createMemoryCoordinationStore } from "../coordination/memory-coordination-store.js";
import { decodeEnvelope } from "../envelope/envelope.js";
import { ConfigurationError } from "../errors/configuration-error.js";
import { JobTimeoutError } from "../errors/job-timeout-error.js";
import { MalformedEnvelopeError } from "../errors/malformed-envelope-error.js";
import { createHopper, type Hopper } from "../hopper.js";
import { Job, type JobClass, type JobContext } from "../job.js";
import { JobRegistry } from "../job-registry.js";
import { createConsoleLogger, type Logger } from "../logger.js";
import { createMemoryBackend } from "../memory/memory-backend.js";
import { MessageHandler } from "./message-handler.js";
import { RunningJobs } from "./run-abort.js";
import { until as waitUntil } from "../test-fixtures/until.js";

const until = (predicate: () => boolean, description: string, timeoutMs = 20_000) => waitUntil(predicate, description, timeoutMs);

const silent = createConsoleLogger("silent");
let queueCounter = 0;
const uniqueQueue = () => `timeout-test-${Date.now().toString(36)}-${queueCounter++}`;
const hoppers: Hopper[] = [];
afterEach(async () => {
  await Promise.all(hoppers.splice(0).map((hopper) => hopper.close()));
});

interface LogEntry {
  readonly level: string;
  readonly message: string;
  readonly fields: Record<string, unknown>;
}

function recordingLogger(entries: LogEntry[]): Logger {
  const write = (level: string) => (message: string, fields?: Record<string, unknown>) => entries.push({ level, message, fields: fields ?? {} });
  return { debug: write("debug"), info: write("info"), warn: write("warn"), error: write("error") };
}

function captureError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  return undefined;
}

async function captureRejection(run: () => Promise<unknown>): Promise<unknown> {
  try {
    await run();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe("timeouts are checked", () => {
  it.each([[-1], ["soon"], [0], ["-5s"], [Number.POSITIVE_INFINITY], [Number.NaN], [2 ** 31], ["30d"], [{}]])("static timeout %j is refused at createHopper, naming the class's field", (timeout) => {
    class Timed extends Job<Record<string, never>> {
      static override timeout = timeout as never;
      async perform() {}
    }
    const error = captureError(() => createHopper({ backend: createMemoryBackend({ store: "timeout-options" }), jobs: [Timed], logger: silent }));
    expect(ConfigurationError.isInstance(error)).toBe(true);
    expect((error as ConfigurationError).field).toBe("Timed.timeout");
    expect((error as Error).message).toMatch(/timeout/);
  });

  it.each([[-5], ["garbage"], [0], [2 ** 31], [true]])("per-enqueue timeout %j is refused before anything is sent", async (timeout) => {
    const queue = uniqueQueue();
    class Plain extends Job<Record<string, never>> {
      static override queue = queue;
      async perform() {}
    }
    const hopper = createHopper({ backend: createMemoryBackend({ store: queue }), jobs: [Plain], logger: silent });
    hoppers.push(hopper);
    const error = await captureRejection(() => Plain.set({ timeout: timeout as never }).performLater({}));
    expect(ConfigurationError.isInstance(error)).toBe(true);
    expect((error as ConfigurationError).field).toBe("options.timeout");
    expect(await (await hopper.backend).stats!(queue)).toEqual({ ready: 0, delayed: 0, inFlight: 0 });
  });

  it.each([["never"], [-1], [0]])("worker exitOnHungJob %j is refused", (exitOnHungJob) => {
    class Any extends Job<unknown> {
      async perform() {}
    }
    const hopper = createHopper({ backend: createMemoryBackend({ store: "timeout-options" }), jobs: [Any], logger: silent });
    hoppers.push(hopper);
    const error = captureError(() => hopper.worker({ exitOnHungJob: exitOnHungJob as never, handleSignals: false }));
    expect(ConfigurationError.isInstance(error)).toBe(true);
    expect((error as ConfigurationError).field).toBe("worker.exitOnHungJob");
  });

  it.each([["x"], [0], [-1], [1.5], [2 ** 31]])("an envelope whose timeoutMs is %j is malformed", (timeoutMs) => {
    const body = JSON.stringify({ hopper: 1, id: "a", job: "J", version: 1, args: {}, queue: "q", priority: 0, enqueuedAt: new Date().toISOString(), attempt: 1, meta: {}, timeoutMs });
    const error = captureError(() => decodeEnvelope(body));
    expect(MalformedEnvelopeError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/timeoutMs/);
  });
});

describe("a job that runs past its timeout", () => {
  it("has its signal aborted with JobTimeoutError, fails the attempt, is retried by the policy and then dead-lettered", async () => {
    const queue = uniqueQueue();
    const reasons: unknown[] = [];
    class Cooperates extends Job<{ label: string }> {
      static override queue = queue;
      static override timeout = "200ms";
      static override retry = { attempts: 2, wait: 10, jitter: 0 };
      async perform(_args: { label: string }, context: JobContext) {
        await new Promise((resolve) => context.signal.addEventListener("abort", resolve, { once: true }));
        reasons.push(context.signal.reason);
        throw context.signal.reason;
      }
    }
    const hopper = createHopper({ backend: createMemoryBackend({ store: queue }), jobs: [Cooperates], logger: silent });
    hoppers.push(hopper);
    const staticId = await Cooperates.performLater({ label: "static" });
    const overriddenId = await Cooperates.set({ timeout: "150ms" }).performLater({ label: "override" });
    const worker = hopper.worker({ pollWait: 50, handleSignals: false });
    const running = worker.run();
    const deadLetters: Awaited<ReturnType<ReturnType<Hopper["deadLetters"]>["take"]>> = [];
    try {
      await until(() => reasons.length === 4, "two attempts of each job");
      while (deadLetters.length < 2) deadLetters.push(...(await hopper.deadLetters(queue).take({ max: 2, waitMs: 200 })));
    } finally {
      await worker.stop({ timeout: 1000 });
      await running;
    }
    expect(reasons.every((reason) => JobTimeoutError.isInstance(reason))).toBe(true);
    const timeouts = (reasons as JobTimeoutError[]).map((reason) => [reason.jobId, reason.job, reason.timeoutMs]);
    expect(timeouts).toEqual(expect.arrayContaining([[staticId, "Cooperates", 200], [overriddenId, "Cooperates", 150]]));
    for (const letter of deadLetters) {
      expect(letter).toMatchObject({ attempt: 2, reason: "attempts exhausted (2 of 2)", error: { name: "JobTimeoutError" } });
    }
    expect(deadLetters.map((letter) => letter.id).sort()).toEqual([staticId, overriddenId].sort());
  });

  it("that ignores its signal keeps its slot and its lease until perform returns, is reported, then fails as a timeout", async () => {
    const queue = uniqueQueue();
    const ledger: string[] = [];
    const logs: LogEntry[] = [];
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let extensionsAfterTimeout = 0;
    let timedOut = false;
    class Ignores extends Job<{ label: string }> {
      static override queue = queue;
      static override timeout = 100;
      static override retry = { attempts: 3, wait: 0, jitter: 0 };
      async perform({ label }: { label: string }, context: JobContext) {
        ledger.push(`start ${label} ${context.attempt}`);
        if (label === "hung" && context.attempt === 1) {
          context.signal.addEventListener("abort", () => (timedOut = true), { once: true });
          await released;
        }
        ledger.push(`end ${label} ${context.attempt}`);
      }
    }
    const memory = createMemoryBackend({ store: queue });
    // Every member forwarded by name: a memory message's methods live on its class, so a spread copy had no ack or
    // nack, and each settle failed; the message came back when its lease ended, and under load before the test did.
    const counting = interceptMessages(memory, (message) => ({
      id: message.id,
      body: message.body,
      deliveryAttempt: message.deliveryAttempt,
      ack: (ackOptions) => message.ack(ackOptions),
      nack: (nackOptions) => message.nack(nackOptions),
      extendLease: (ms) => {
        if (timedOut) extensionsAfterTimeout += 1;
        return message.extendLease(ms);
      },
    }));
    const hopper = createHopper({ backend: counting, jobs: [Ignores], logger: recordingLogger(logs) });
    hoppers.push(hopper);
    const hungId = await Ignores.performLater({ label: "hung" });
    // Nothing buffered: in flight is the hung job alone. A lease of 1 s: the waiting job holds one too, and a stall of
    // a loaded machine longer than it would redeliver that job (at least once), which this test does not allow.
    const worker = hopper.worker({ concurrency: 1, prefetch: 0, lease: 1000, pollWait: 50, handleSignals: false });
    const running = worker.run();
    try {
      await until(() => ledger.includes("start hung 1"), "the hung job to start");
      await Ignores.performLater({ label: "waiting" });
      // Four renewals after the timeout: two whole leases have passed in which an unrenewed lease would have ended.
      await until(() => extensionsAfterTimeout >= 4, "the hung job's lease to be renewed past its timeout");
      await until(() => logs.some((entry) => entry.level === "warn" && /ignor/.test(entry.message)), "the hung job to be reported");
      // Its slot is still taken: the waiting job has not started, and the hung copy was not handed to anyone else.
      expect(ledger).toEqual(["start hung 1"]);
      expect(worker.activeCount).toBe(1);
      expect(await memory.stats!(queue)).toMatchObject({ inFlight: 1 });
      const warning = logs.find((entry) => entry.level === "warn" && /ignor/.test(entry.message))!;
      expect(warning.fields).toMatchObject({ job: "Ignores", jobId: hungId, timeoutMs: 100 });
      expect(warning.fields.overrunMs).toBeGreaterThan(0);
      release();
      await until(() => ledger.includes("end hung 2") && ledger.includes("end waiting 1"), "the retry and the waiting job");
    } finally {
      release();
      await worker.stop({ timeout: 1000 });
      await running;
    }
    // The late return of the first attempt is a failed attempt (a timeout), so the policy ran it again.
    expect(ledger.slice(0, 2)).toEqual(["start hung 1", "end hung 1"]);
    expect(ledger.filter((entry) => entry.startsWith("start")).sort()).toEqual(["start hung 1", "start hung 2", "start waiting 1"]);
    // One at a time throughout: every start follows the previous end.
    for (let index = 0; index < ledger.length; index += 2) expect(ledger[index + 1]?.replace("end", "start")).toBe(ledger[index]);
    const retried = logs.find((entry) => entry.message.includes("retrying") && entry.fields.jobId === hungId);
    expect(JobTimeoutError.isInstance(retried?.fields.error)).toBe(true);
  });
});

describe("a running job can be aborted by id", () => {
  it("aborts the run's signal with the reason given, and only while it runs", async () => {
    const queue = uniqueQueue();
    let reason: unknown;
    class Abortable extends Job<Record<string, never>> {
      static override queue = queue;
      static override retry = { attempts: 1 };
      async perform(_args: Record<string, never>, context: JobContext) {
        await new Promise((resolve) => context.signal.addEventListener("abort", resolve, { once: true }));
        reason = context.signal.reason;
      }
    }
    const backend = createMemoryBackend({ store: queue });
    const hopper = createHopper({ backend, jobs: [Abortable], logger: silent });
    hoppers.push(hopper);
    const id = await Abortable.performLater({});
    const runningJobs = new RunningJobs();
    const handler = new MessageHandler({
      backend,
      registry: new JobRegistry([Abortable as JobClass]),
      middleware: [],
      logger: silent,
      coordination: createMemoryCoordinationStore(),
      leaseMs: 30_000,
      newerVersionRetryMs: 1000,
      newerVersionMaxHoldMs: 60_000,
      runningJobs,
    });
    const [message] = await backend.receive({ queue, maxMessages: 1, waitMs: 1000, leaseMs: 30_000 });
    const handled = new Promise<void>((settled) => handler.handle({ message: message!, signal: new AbortController().signal, handedBack: false, settled }, queue));
    await until(() => runningJobs.isRunning(id), "the run to be tracked");
    expect(runningJobs.abort("some-other-id", new Error("not this one"))).toBe(0);
    const cancel = new Error("cancelled by test");
    expect(runningJobs.abort(id, cancel)).toBe(1);
    await handled;
    expect(reason).toBe(cancel);
    expect(runningJobs.isRunning(id)).toBe(false);
    expect(runningJobs.abort(id, cancel)).toBe(0);
  });
});

/** The same backend, with each received message passed through `wrap`. */
function interceptMessages(backend: Backend, wrap: (message: ReceivedMessage) => ReceivedMessage): Backend {
  return {
    specificationVersion: backend.specificationVersion,
    name: backend.name,
    capabilities: backend.capabilities,
    enqueue: (messages, options) => backend.enqueue(messages, options),
    receive: async (options) => (await backend.receive(options)).map(wrap),
    ...(backend.stats && { stats: (queue: string) => backend.stats!(queue) }),
    close: () => backend.close(),
  };
}
