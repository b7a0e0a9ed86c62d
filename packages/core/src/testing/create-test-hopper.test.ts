import { AssertionError } from "node:assert";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigurationError, createConsoleLogger, Job, UnsupportedCapabilityError, type JobContext } from "@hopper/core";
import { createTestHopper, enqueuedCount, expectEnqueued, expectNotEnqueued, type TestHopper } from "@hopper/core/testing";

const silent = createConsoleLogger("silent");
const performed: string[] = [];

type EmailArgs = { to: string; at: Date; tags?: Set<string> };

class SendEmail extends Job<EmailArgs> {
  static override queue = "mailers";
  async perform({ to }: EmailArgs) {
    performed.push(`email ${to}`);
  }
}

class PlaceOrder extends Job<{ orderId: number }> {
  async perform({ orderId }: { orderId: number }) {
    performed.push(`order ${orderId}`);
    // Its follow-ups: one now, one later.
    await SendEmail.performLater({ to: `buyer-${orderId}`, at: new Date(0) });
    await ShipOrder.set({ wait: "1h" }).performLater({ orderId });
  }
}

class ShipOrder extends Job<{ orderId: number }> {
  async perform({ orderId }: { orderId: number }) {
    performed.push(`ship ${orderId}`);
  }
}

class MailServerDown extends Error {}

class Flaky extends Job<{ n: number }> {
  static override retry = { attempts: 3, wait: () => 60_000, jitter: 0 };
  static failuresLeft = 0;
  async perform({ n }: { n: number }, context: JobContext) {
    if (Flaky.failuresLeft-- > 0) throw new MailServerDown(`down on attempt ${context.attempt}`);
    performed.push(`flaky ${n} on attempt ${context.attempt}`);
  }
}

class Forever extends Job<Record<string, never>> {
  async perform() {
    await Forever.performLater({});
  }
}

class Report extends Job<{ kind: string }> {
  async perform({ kind }: { kind: string }) {
    performed.push(`report ${kind}`);
  }
}

class User {
  constructor(readonly id: string) {}
  greeting() {
    return `hello ${this.id}`;
  }
}

/** Application code, unchanged for tests: it only knows Job.performLater. */
async function signUp(email: string) {
  return SendEmail.performLater({ to: email, at: new Date("2026-01-02T03:04:05Z"), tags: new Set(["welcome"]) });
}

let hopper: TestHopper;
const open = (options: Partial<Parameters<typeof createTestHopper>[0]> = {}) => (hopper = createTestHopper({ jobs: [SendEmail, PlaceOrder, ShipOrder, Flaky, Forever, Report], logger: silent, ...options }));

afterEach(async () => {
  performed.length = 0;
  Flaky.failuresLeft = 0;
  await hopper?.close();
});

describe("createTestHopper: recording", () => {
  it("records what application code enqueues, with args after a real envelope round trip", async () => {
    open();
    const id = await signUp("ada@example.com");
    await SendEmail.set({ wait: "5m", priority: 3 }).performLater({ to: "bob@example.com", at: new Date(0) });

    const [first, second] = hopper.enqueued();
    expect(first).toMatchObject({ id, job: "SendEmail", jobClass: SendEmail, queue: "mailers", priority: 0, status: "enqueued", runs: 0 });
    expect(first!.args).toEqual({ to: "ada@example.com", at: new Date("2026-01-02T03:04:05Z"), tags: new Set(["welcome"]) });
    expect((first!.args as { at: unknown }).at).toBeInstanceOf(Date);
    expect(first!.runAt).toEqual(first!.enqueuedAt);
    expect(second!.priority).toBe(3);
    expect(second!.runAt.getTime() - second!.enqueuedAt.getTime()).toBe(300_000);
    expect(performed).toEqual([]);
  });

  it("expectEnqueued matches args deeply, with asymmetric matchers, predicates, options and counts", async () => {
    open();
    await signUp("ada@example.com");
    await SendEmail.set({ wait: "5m" }).performLater({ to: "bob@example.com", at: new Date(0) });

    expect(expectEnqueued(SendEmail, { to: "ada@example.com", at: new Date("2026-01-02T03:04:05Z"), tags: new Set(["welcome"]) })).toHaveLength(1);
    expectEnqueued(SendEmail, { to: "bob@example.com", at: expect.any(Date) }, { wait: "5m", queue: "mailers" });
    expectEnqueued(SendEmail, (args: { to: string }) => args.to.endsWith("@example.com"), { count: 2 });
    hopper.expectEnqueued(SendEmail, undefined, { count: 2 });
    expectNotEnqueued(PlaceOrder);
    expectNotEnqueued(SendEmail, { to: "eve@example.com", at: expect.any(Date) });
    expect(enqueuedCount(SendEmail)).toBe(2);
    expect(hopper.enqueuedCount(SendEmail, undefined, { wait: "5m" })).toBe(1);
    expect(hopper.enqueuedCount()).toBe(2);
  });

  it("fails with an AssertionError that lists what was enqueued instead", async () => {
    open();
    expect(() => expectEnqueued(SendEmail)).toThrow(/expected SendEmail to be enqueued, found 0; nothing was enqueued/);

    await signUp("ada@example.com");
    await PlaceOrder.set({ priority: 2 }).performLater({ orderId: 7 });
    let error: unknown;
    try {
      expectEnqueued(SendEmail, { to: "bob@example.com", at: expect.any(Date) });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(AssertionError);
    const message = (error as Error).message;
    expect(message).toContain("expected SendEmail to be enqueued with args");
    expect(message).toContain("bob@example.com");
    expect(message).toContain("enqueued instead (2):");
    expect(message).toContain("  - SendEmail on mailers with { to: 'ada@example.com', at: 2026-01-02T03:04:05.000Z, tags: Set(1) { 'welcome' } } (enqueued)");
    expect(message).toContain("  - PlaceOrder on default with { orderId: 7 } (priority 2, enqueued)");

    expect(() => expectEnqueued(SendEmail, undefined, { count: 3 })).toThrow(/expected 3 SendEmail jobs enqueued, found 1; enqueued instead \(2\)/);
    expect(() => expectNotEnqueued(PlaceOrder, { orderId: 7 })).toThrow(/expected no PlaceOrder job with args \{ orderId: 7 \}, found 1; enqueued instead \(2\):\n.*SendEmail on mailers/);
  });

  it("refuses args that would not survive the envelope, naming the field, and records nothing", async () => {
    open();
    const instance = SendEmail.performLater({ to: new User("42") as never, at: new Date() });
    await expect(instance).rejects.toThrow(ConfigurationError);
    await expect(instance).rejects.toThrow(/args\.to: is a User instance, which arrives as \{ id: '42' \} without its class or methods/);
    await expect(Report.performLater({ kind: "x", format: () => "pdf" } as never)).rejects.toThrow(/args\.format: is a function, which JSON cannot carry/);
    await expect(Report.performAllLater([{ kind: "a" }, { kind: [Symbol("b")] } as never])).rejects.toThrow(/args\.kind\[0\]: is a symbol/);
    await expect(hopper.enqueue(SendEmail, { to: "x", at: new Date(), tags: new Set([new User("1") as never]) })).rejects.toThrow(/args\.tags key: is a User instance/);
    expect(hopper.enqueued()).toEqual([]);
  });

  it("refuses what the declared capabilities refuse, as the production backend would", async () => {
    open({ capabilities: { priority: false } });
    await expect(SendEmail.set({ priority: 5 }).performLater({ to: "x", at: new Date() })).rejects.toThrow(UnsupportedCapabilityError);
  });

  it("the standalone assertions need the class registered with a test Hopper", async () => {
    open();
    await hopper.close();
    expect(() => expectEnqueued(SendEmail)).toThrow(/SendEmail is not registered with a test Hopper/);
  });
});

describe("createTestHopper: performEnqueued", () => {
  it("runs due jobs inline, then the jobs they enqueue; delayed ones wait for the clock", async () => {
    open();
    await PlaceOrder.performLater({ orderId: 1 });
    const startedAt = hopper.clock.now().getTime();

    const first = await hopper.performEnqueued();
    expect(performed).toEqual(["order 1", "email buyer-1"]);
    expect(first.performed.map((job) => job.job)).toEqual(["PlaceOrder", "SendEmail"]);
    expect(hopper.enqueued({ job: ShipOrder })).toMatchObject([{ status: "enqueued", args: { orderId: 1 } }]);

    await hopper.performEnqueued({ until: "59m" });
    expect(performed).toEqual(["order 1", "email buyer-1"]);

    const later = await hopper.performEnqueued({ until: "1m" });
    expect(performed).toEqual(["order 1", "email buyer-1", "ship 1"]);
    expect(later.performed).toMatchObject([{ job: "ShipOrder", status: "performed", runs: 1 }]);
    expect(hopper.clock.now().getTime() - startedAt).toBeGreaterThanOrEqual(3_600_000);
    expect(hopper.enqueued().map((job) => job.status)).toEqual(["performed", "performed", "performed"]);
  });

  it("only runs the given classes and leaves the others queued, their first attempt still to come", async () => {
    open();
    await Flaky.performLater({ n: 3 });
    await Report.performLater({ kind: "a" });
    await hopper.performEnqueued({ only: Report });
    await hopper.performEnqueued({ only: [Report] });
    expect(performed).toEqual(["report a"]);
    await hopper.performEnqueued();
    expect(performed).toEqual(["report a", "flaky 3 on attempt 1"]);
  });

  it("rejects with the job's error by default; the retry waits on the clock as on a worker", async () => {
    open();
    Flaky.failuresLeft = 1;
    await Flaky.performLater({ n: 1 });
    await expect(hopper.performEnqueued()).rejects.toThrow(MailServerDown);
    expect(hopper.enqueued()[0]).toMatchObject({ status: "failed", lastError: expect.any(MailServerDown) });

    await hopper.performEnqueued({ until: "59s" });
    expect(performed).toEqual([]);
    await hopper.performEnqueued({ until: "1s" });
    expect(performed).toEqual(["flaky 1 on attempt 2"]);
  });

  it("with rethrow: false, retries play out and a job out of attempts goes to the dead letters", async () => {
    open();
    Flaky.failuresLeft = 5;
    await Flaky.performLater({ n: 2 });
    const report = await hopper.performEnqueued({ until: "1h", rethrow: false });
    expect(report.failed.map(({ error }) => (error as Error).message)).toEqual(["down on attempt 1", "down on attempt 2", "down on attempt 3"]);
    expect(hopper.enqueued()[0]).toMatchObject({ status: "dead", runs: 3 });
    const [deadLetter] = await hopper.deadLetters("default").peek();
    expect(deadLetter).toMatchObject({ job: "Flaky", attempt: 3, error: { message: "down on attempt 3" } });
  });

  it("enqueues scheduled ticks as the clock passes them", async () => {
    open();
    hopper.schedule("quarter-hourly", "*/15 * * * *", Report, { kind: "sales" });
    await hopper.performEnqueued({ until: "1h" });
    expect(performed).toEqual(["report sales", "report sales", "report sales", "report sales"]);
    const ticks = hopper.enqueued({ job: Report }).map((job) => new Date(job.meta["hopper.tick"]!));
    for (const tick of ticks) expect(tick.getUTCMinutes() % 15).toBe(0);
    expect(ticks.map((tick) => tick.getTime() - ticks[0]!.getTime())).toEqual([0, 900_000, 1_800_000, 2_700_000]);
  });

  it("stops a job that enqueues itself forever after maxRuns", async () => {
    open();
    await Forever.performLater({});
    await expect(hopper.performEnqueued({ maxRuns: 50 })).rejects.toThrow(/stopped after 50 runs/);
  });

  it("clear() forgets the record, not the queue", async () => {
    open();
    await Report.performLater({ kind: "a" });
    hopper.clear();
    expectNotEnqueued(Report);
    await hopper.performEnqueued();
    expect(performed).toEqual(["report a"]);
  });
});
