// A rate-limit scenario child: fills a queue with rate-limited jobs, or runs a Hopper worker on it while
// recording every slot its coordination store grants and every perform start (scenarios/rate-limit.ts).
import { createHopper, Job, type CoordinationStore, type Hopper, type JobContext } from "@hopper/core";
import { now } from "../subjects/bench-subject.js";
import type { KeyedTime, RateLimitDeclaration, RateLimitMessage, RateLimitRequest } from "./rate-limit-protocol.js";

const adapterPackages: Readonly<Record<string, string>> = { "redis:": "@hopper/redis", "rediss:": "@hopper/redis", "postgres:": "@hopper/postgres", "postgresql:": "@hopper/postgres" };
const fillBatch = 1000;
/** The bucket of a job when the limit has no key function. */
export const sharedBucket = "*";

interface LimitedArgs {
  readonly key: string;
}

function send(message: RateLimitMessage): void {
  process.send?.(message);
}

/** Resolves once `message` has left this process: a large one (a worker's every slot) must not be cut off by the exit that follows. */
function sendAndFlush(message: RateLimitMessage): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!process.send) return resolve();
    process.send(message, undefined, {}, (error) => (error ? reject(error) : resolve()));
  });
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** The store Hopper would pick for `url` (its own server), built here so its calls can be counted. */
async function storeFor(url: string): Promise<CoordinationStore> {
  const parsed = new URL(url);
  const name = adapterPackages[parsed.protocol];
  if (!name) throw new Error(`the rate-limit scenario needs a store every process shares: redis:// or postgres://, got ${parsed.protocol}`);
  const adapter = (await import(name)) as { createCoordinationStoreFromUrl(url: URL): CoordinationStore | undefined | Promise<CoordinationStore | undefined> };
  const store = await adapter.createCoordinationStoreFromUrl(parsed);
  if (!store) throw new Error(`${name} has no coordination store for ${parsed.protocol}`);
  return store;
}

/**
 * Counts every call Hopper makes to `store`, by method, and records each granted rate
 * slot (its start on the store's clock, the decision the limit is measured on).
 */
function countedStore(store: CoordinationStore, calls: Record<string, number>, slots: KeyedTime[], bucketOf: (storeKey: string) => string): CoordinationStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== "function") return value;
      // Bound to the store itself: its private fields are not the proxy's.
      if (typeof property !== "string" || property === "close") return (value as (...args: unknown[]) => unknown).bind(target);
      return async (...args: unknown[]) => {
        calls[property] = (calls[property] ?? 0) + 1;
        const result = await (value as (...args: unknown[]) => Promise<unknown>).apply(target, args);
        if (property === "takeRateSlot") {
          const slot = result as { admitted: boolean; startsAtMs?: number };
          if (slot.admitted) slots.push({ key: bucketOf(args[0] as string), at: slot.startsAtMs ?? Number.NaN });
          else calls["takeRateSlot:refused"] = (calls["takeRateSlot:refused"] ?? 0) + 1;
        }
        return result;
      };
    },
  });
}

function limitedJob(queue: string, declaration: RateLimitDeclaration, onStart: (args: LimitedArgs) => void) {
  const { limit, per, burst, keys } = declaration;
  return class BenchLimited extends Job<LimitedArgs> {
    static override jobName = "BenchLimited";
    static override queue = queue;
    static override rateLimit = { limit, per, burst, ...(keys > 0 && { key: (args: LimitedArgs) => args.key }) };
    async perform(args: LimitedArgs, _context: JobContext): Promise<void> {
      onStart(args);
    }
  };
}

let hopper: Hopper | undefined;
let store: CoordinationStore | undefined;
let worker: ReturnType<Hopper["worker"]> | undefined;
let running: Promise<void> | undefined;
let queue = "";
let declaration: RateLimitDeclaration | undefined;
let url = "";
let concurrency = 10;
let cpuAtStart = 0;
const calls: Record<string, number> = {};
const slots: KeyedTime[] = [];
const starts: KeyedTime[] = [];
let counting = false;

function cpuMicros(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

async function handle(request: RateLimitRequest): Promise<void> {
  switch (request.type) {
    case "fill": {
      ({ url, queue, declaration } = request);
      const jobClass = limitedJob(queue, declaration, () => {});
      hopper = createHopper({ url, jobs: [jobClass] });
      const startedAt = now();
      const keys = Math.max(declaration.keys, 1);
      for (let sent = 0; sent < request.jobs; sent += fillBatch) {
        const count = Math.min(fillBatch, request.jobs - sent);
        await hopper.enqueueAll(jobClass, Array.from({ length: count }, (_, index) => ({ key: `k${(sent + index) % keys}` })));
      }
      send({ type: "filled", ms: now() - startedAt });
      return;
    }
    case "work": {
      ({ url, queue, declaration, concurrency } = request);
      const keyed = declaration.keys > 0;
      // A granted slot's store key is "rate:<bucket>[:<key>]"; the figures group by the job's key.
      const bucketOf = (storeKey: string) => (keyed ? storeKey.slice(storeKey.lastIndexOf(":") + 1) : sharedBucket);
      store = countedStore(await storeFor(url), calls, slots, bucketOf);
      const jobClass = limitedJob(queue, declaration, (args) => {
        if (counting) starts.push({ key: keyed ? args.key : sharedBucket, at: Date.now() });
      });
      hopper = createHopper({ url, jobs: [jobClass], coordination: store });
      await hopper.backend;
      send({ type: "ready" });
      return;
    }
    case "start": {
      if (!hopper) throw new Error("start before work");
      for (const name of Object.keys(calls)) delete calls[name];
      slots.length = 0;
      counting = true;
      cpuAtStart = cpuMicros();
      worker = hopper.worker({ queues: [queue], concurrency, handleSignals: false });
      running = worker.run();
      running.catch(() => {});
      // Wall clock, as the starts are: the report compares both with the store's slots.
      send({ type: "consuming", at: Date.now() });
      return;
    }
    case "stop": {
      await worker?.stop({ timeout: 5000 });
      await running?.catch(() => {});
      counting = false;
      await sendAndFlush({ type: "stopped", slots, starts, storeCalls: { ...calls }, cpuUs: cpuMicros() - cpuAtStart });
      await hopper?.close();
      await store?.close();
      exitSoon();
      return;
    }
    case "close": {
      // What the workers left goes, unlimited, so the run leaves no queue behind it.
      const leftover = await drainUnlimited();
      await hopper?.close();
      await sendAndFlush({ type: "closed", leftover });
      exitSoon();
      return;
    }
  }
}

/** Runs the queue's remaining jobs with the limit lifted for it (`rateLimits.queues[queue] = false`), until none is left. */
async function drainUnlimited(): Promise<number> {
  if (!declaration) return 0;
  await hopper?.close();
  let ran = 0;
  let lastRanAt = now();
  const jobClass = limitedJob(queue, declaration, () => {
    ran += 1;
    lastRanAt = now();
  });
  hopper = createHopper({ url, jobs: [jobClass], rateLimits: { queues: { [queue]: false } } });
  const drainer = hopper.worker({ queues: [queue], concurrency: 50, pollWait: "200ms", handleSignals: false });
  const drained = drainer.run();
  drained.catch(() => {});
  // Done when nothing ran for 2 s (held copies of refused slots come back within a second or so).
  while (now() - lastRanAt < 2000) await new Promise((resolve) => setTimeout(resolve, 250));
  await drainer.stop({ timeout: 5000 });
  await drained.catch(() => {});
  return ran;
}

function exitSoon(): void {
  process.disconnect?.();
  // Clients with open handles (pools) must not keep the child alive.
  setTimeout(() => process.exit(0), 500).unref();
}

process.on("message", (request: RateLimitRequest) => {
  handle(request).catch((error: unknown) => send({ type: "failed", error: describe(error) }));
});
