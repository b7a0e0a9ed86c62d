import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import type { Backend } from "../backend/backend.js";
import { decodeEnvelope } from "../envelope/envelope.js";
import { BackendClosedError } from "../errors/backend-closed-error.js";
import { ConfigurationError } from "../errors/configuration-error.js";
import { createHopper, type Hopper, type HopperOptions } from "../hopper.js";
import { Job } from "../job.js";
import { createConsoleLogger } from "../logger.js";
import { createMemoryBackend } from "../memory/memory-backend.js";
import { until } from "../test-fixtures/until.js";
import { createRoutedBackend } from "./routed-backend.js";

const silent = createConsoleLogger("silent");
const runs: { queue: string; n: number; attempt: number }[] = [];

class Billing extends Job<{ n: number }> {
  static override queue = "billing";
  async perform({ n }: { n: number }, context: { queue: string; attempt: number }) {
    runs.push({ queue: context.queue, n, attempt: context.attempt });
  }
}
class Mailer extends Job<{ n: number }> {
  static override queue = "mailers";
  async perform({ n }: { n: number }, context: { queue: string; attempt: number }) {
    runs.push({ queue: context.queue, n, attempt: context.attempt });
  }
}
/** Fails its first attempt; the retry waits an hour, so where it went can be read before it runs. */
class FailsOnce extends Job<{ n: number }> {
  static override queue = "billing";
  static override retry = { attempts: 3, wait: "1h" as const, jitter: 0 };
  async perform({ n }: { n: number }, context: { attempt: number }) {
    runs.push({ queue: "billing", n, attempt: context.attempt });
    if (context.attempt === 1) throw new Error("first attempt fails");
  }
}

const opened: (Hopper | Backend)[] = [];
afterEach(async () => {
  runs.length = 0;
  await Promise.all(opened.splice(0).map((entry) => entry.close()));
});

const store = (label: string) => `memory://${label}${randomBytes(4).toString("hex")}`;
function hopper(options: Omit<HopperOptions, "logger">): Hopper {
  const created = createHopper({ logger: silent, ...options });
  opened.push(created);
  return created;
}
/** The store behind `url`, read directly (not through the routed Hopper). */
function direct(url: string): Backend {
  const backend = createMemoryBackend({ store: new URL(url).hostname });
  opened.push(backend);
  return backend;
}
const bodiesOn = async (url: string, queue: string) =>
  (await direct(url).receive({ queue, maxMessages: 100, waitMs: 0, leaseMs: 60_000 })).map((message) => decodeEnvelope(message.body));

describe("routes", () => {
  it("sends a routed queue's jobs to its backend and the others to url, and one worker runs both", async () => {
    const [main, billing] = [store("main"), store("billing")];
    const routed = hopper({ url: main, routes: { billing }, jobs: [Billing, Mailer] });
    const billed = await Billing.performLater({ n: 1 });
    const mailed = await Mailer.performLater({ n: 2 });
    const onBilling = direct(billing);
    const onMain = direct(main);
    expect((await onBilling.stats!("billing")).ready).toBe(1);
    expect((await onMain.stats!("billing")).ready).toBe(0);
    expect((await onMain.stats!("mailers")).ready).toBe(1);
    expect((await onBilling.stats!("mailers")).ready).toBe(0);
    expect(await routed.queues.list()).toEqual(expect.arrayContaining([expect.objectContaining({ name: "billing", stats: expect.objectContaining({ ready: 1 }) }), expect.objectContaining({ name: "mailers", stats: expect.objectContaining({ ready: 1 }) })]));

    const worker = routed.worker({ queues: ["billing", "mailers"], concurrency: 2 });
    const running = worker.run();
    await until(() => runs.length === 2, "both jobs ran");
    await worker.stop();
    await running;
    expect(runs.map(({ queue, n }) => ({ queue, n })).sort((a, b) => a.n - b.n)).toEqual([{ queue: "billing", n: 1 }, { queue: "mailers", n: 2 }]);
    expect([billed, mailed]).toHaveLength(2);
    expect((await onBilling.stats!("billing")).ready + (await onBilling.stats!("billing")).inFlight).toBe(0);
  });

  it("splits a bulk enqueue spanning queues by backend and answers in input order", async () => {
    const [main, billing] = [store("main"), store("billing")];
    const routed = hopper({ url: main, routes: { billing }, jobs: [Billing, Mailer] });
    const backend = await routed.backend;
    const results = await backend.enqueue([
      { id: "a", queue: "mailers", body: "{}" },
      { id: "b", queue: "billing", body: "{}" },
      { id: "c", queue: "mailers", body: "{}" },
    ]);
    expect(results.map((result) => result.id)).toEqual(["a", "b", "c"]);
    expect((await direct(billing).receive({ queue: "billing", maxMessages: 10, waitMs: 0, leaseMs: 60_000 })).map((message) => message.id)).toEqual(["b"]);
    expect((await direct(main).receive({ queue: "mailers", maxMessages: 10, waitMs: 0, leaseMs: 60_000 })).map((message) => message.id).sort()).toEqual(["a", "c"]);
  });

  it("keeps a queue's dead letters on the queue's backend", async () => {
    const [main, billing] = [store("main"), store("billing")];
    class Dies extends Job<{ n: number }> {
      static override queue = "billing";
      static override retry = { attempts: 1 };
      async perform(): Promise<void> {
        throw new Error("always");
      }
    }
    const routed = hopper({ url: main, routes: { billing }, jobs: [Dies] });
    await Dies.performLater({ n: 1 });
    const worker = routed.worker({ queues: ["billing"] });
    const running = worker.run();
    await until(async () => (await direct(billing).stats!("billing-dead")).ready === 1, "the dead letter on the billing backend");
    await worker.stop();
    await running;
    expect((await direct(main).stats!("billing-dead")).ready).toBe(0);
    expect(await routed.deadLetters("billing").peek()).toHaveLength(1);
  });
});

describe("drainFrom", () => {
  it("sends new jobs to the new backend while a worker also drains the old one, each job running once", async () => {
    const [old, next] = [store("old"), store("new")];
    hopper({ url: old, jobs: [Billing] });
    for (let n = 0; n < 20; n++) await Billing.performLater({ n });
    const migrating = hopper({ url: next, routes: { billing: { drainFrom: [old] } }, jobs: [Billing] });
    for (let n = 20; n < 40; n++) await Billing.performLater({ n });
    expect((await direct(old).stats!("billing")).ready).toBe(20);
    expect((await direct(next).stats!("billing")).ready).toBe(20);
    expect((await migrating.queues.list()).find((entry) => entry.name === "billing")).toMatchObject({ stats: { ready: 40 } });

    const worker = migrating.worker({ queues: ["billing"], concurrency: 4 });
    const running = worker.run();
    await until(() => runs.length >= 40, "every job ran");
    await worker.stop();
    await running;
    expect(runs.map(({ n }) => n).sort((a, b) => a - b)).toEqual(Array.from({ length: 40 }, (_, n) => n));
    for (const url of [old, next]) expect(await direct(url).stats!("billing")).toEqual({ ready: 0, delayed: 0, inFlight: 0 });
  });

  it("gives perform middleware the backend and destination each job came from: the old backend's for a drained job", async () => {
    const [oldStore, nextStore] = [store("old"), store("new")];
    const labeled = (url: string, name: string): Backend => ({ ...direct(url), name, destinationOf: (queue: string) => `${name}/${queue}` });
    const [old, next] = [labeled(oldStore, "old-transport"), labeled(nextStore, "new-transport")];
    hopper({ url: oldStore, jobs: [Billing] });
    await Billing.performLater({ n: 1 });
    const seen: { n: number; backend?: string; destination?: string }[] = [];
    const migrating = hopper({
      backend: createRoutedBackend({ fallback: next, queues: new Map([["billing", { send: next, drainFrom: [old] }]]), owned: [] }),
      jobs: [Billing],
      middleware: [{ perform: (context, proceed) => (seen.push({ n: (context.args as { n: number }).n, backend: context.backend, destination: context.destination }), proceed()) }],
    });
    await Billing.performLater({ n: 2 });
    const worker = migrating.worker({ queues: ["billing"], concurrency: 1 });
    const running = worker.run();
    await until(() => runs.length >= 2, "both jobs ran");
    await worker.stop();
    await running;
    expect(seen.sort((a, b) => a.n - b.n)).toEqual([
      { n: 1, backend: "old-transport", destination: "old-transport/billing" },
      { n: 2, backend: "new-transport", destination: "new-transport/billing" },
    ]);
  });

  it("sends the retry of a job received from the old backend to the queue's current backend, and removes the old copy", async () => {
    const [old, next] = [store("old"), store("new")];
    hopper({ url: old, jobs: [FailsOnce] });
    const id = await FailsOnce.performLater({ n: 7 });
    const migrating = hopper({ url: next, routes: { billing: { drainFrom: [old] } }, jobs: [FailsOnce] });
    const worker = migrating.worker({ queues: ["billing"] });
    const running = worker.run();
    await until(async () => (await direct(next).stats!("billing")).delayed === 1, "the retry on the new backend");
    await worker.stop();
    await running;
    expect(await direct(old).stats!("billing")).toEqual({ ready: 0, delayed: 0, inFlight: 0 });
    const [retry] = (await direct(next).takeScheduled!({ queue: "billing", maxMessages: 10, leaseMs: 60_000 })).map((message) => decodeEnvelope(message.body));
    expect(retry).toMatchObject({ id, attempt: 2 });
    expect(runs).toEqual([{ queue: "billing", n: 7, attempt: 1 }]);
  });

  it("leaves queues without drainFrom on their backend's nacks (only a draining Hopper republishes retries)", async () => {
    const routed = hopper({ url: store("main"), routes: { billing: store("billing") }, jobs: [Billing] });
    expect((await routed.backend).capabilities.deliveryAttempts).toBe(true);
    const draining = hopper({ url: store("main"), routes: { billing: { drainFrom: [store("old")] } }, jobs: [Billing] });
    expect((await draining.backend).capabilities.deliveryAttempts).toBe(false);
  });
});

describe("bad routes are refused, naming the field", () => {
  const refusal = (routes: unknown) => {
    try {
      createHopper({ url: "memory://refused", routes: routes as HopperOptions["routes"], jobs: [Billing], logger: silent });
    } catch (error) {
      expect(ConfigurationError.isInstance(error)).toBe(true);
      return error as ConfigurationError;
    }
    throw new Error("not refused");
  };

  it.each([
    ["not an object", "routes", "queue name → URL"],
    [{ billing: "not a url" }, "routes.billing.url", "is not a URL"],
    [{ billing: "ftp://host/queue" }, "routes.billing.url", "no backend serves ftp:"],
    [{ billing: undefined }, "routes.billing", "give a URL string"],
    [{ billing: "" }, "routes.billing.url", "not a backend URL"],
    [{ "bad queue!": "memory://b" }, "routes.bad queue!", "not a valid queue name"],
    [{ billing: "memory://b", "billing-dead": "memory://c" }, "routes.billing-dead", "dead-letter queue"],
    // Not a dead-letter clash: "constructor" is no route here, however plain objects inherit it.
    [{ "constructor-dead": "memory://c", billing: "nope" }, "routes.billing.url", "is not a URL"],
    [{ billing: { url: "memory://b", drainFrom: ["memory://b"] } }, "routes.billing.drainFrom[0]", "given twice"],
    [{ billing: { url: "memory://b", drainFrom: ["memory://c", "memory://c"] } }, "routes.billing.drainFrom[1]", "given twice"],
    [{ billing: { drainFrom: ["memory://refused"] } }, "routes.billing.drainFrom[0]", "given twice"],
    [{ billing: { drainFrom: "memory://c" } }, "routes.billing.drainFrom", "array of URLs"],
    [{ billing: { send: "memory://c" } }, "routes.billing.send", "unknown route option"],
    [{ billing: {} }, "routes.billing", "give url, drainFrom, or both"],
  ])("%j → %s", (routes, field, message) => {
    const error = refusal(routes);
    expect(error.field).toBe(field);
    expect(error.message).toContain(message);
  });
});

describe("a drained backend that fails", () => {
  it("does not keep the queue's new jobs from its workers, and is reported once they run out", async () => {
    const [next, gone] = [createMemoryBackend({ store: `new${randomBytes(4).toString("hex")}` }), createMemoryBackend({ store: `gone${randomBytes(4).toString("hex")}` })];
    opened.push(next);
    await gone.close();
    const routed = createRoutedBackend({ fallback: next, queues: new Map([["billing", { send: next, drainFrom: [gone] }]]), owned: [] });
    await next.enqueue([{ id: "new-1", queue: "billing", body: "{}" }]);
    const receive = () => routed.receive({ queue: "billing", maxMessages: 10, waitMs: 0, leaseMs: 60_000 });
    expect((await receive()).map((message) => message.id)).toEqual(["new-1"]);
    await expect(receive()).rejects.toSatisfy(BackendClosedError.isInstance);
  });
});

describe("a batch spanning backends", () => {
  it("reports the messages of a backend that failed one by one, and those another backend took as enqueued", async () => {
    const [main, closed] = [createMemoryBackend({ store: `main${randomBytes(4).toString("hex")}` }), createMemoryBackend({ store: `closed${randomBytes(4).toString("hex")}` })];
    opened.push(main);
    await closed.close();
    const routed = createRoutedBackend({ fallback: main, queues: new Map([["billing", { send: closed, drainFrom: [] }]]), owned: [] });
    const results = await routed.enqueue([
      { id: "a", queue: "mailers", body: "{}" },
      { id: "b", queue: "billing", body: "{}" },
    ]);
    expect(results.map((result) => [result.id, result.status])).toEqual([
      ["a", "enqueued"],
      ["b", "failed"],
    ]);
    await expect(routed.enqueue([{ id: "c", queue: "billing", body: "{}" }])).rejects.toSatisfy(BackendClosedError.isInstance);
  });
});
