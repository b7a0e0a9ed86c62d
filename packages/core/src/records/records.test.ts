import { afterEach, describe, expect, it } from "vitest";
import { ConfigurationError, createConsoleLogger, createHopper, createMemoryRecordStore, Job, type Hopper, type JobContext } from "@hopper/core";
import { createMemoryBackend } from "@hopper/core/memory";
import { createTestHopper } from "@hopper/core/testing";

const silent = createConsoleLogger("silent");

class Export extends Job<{ rows: number }, { exported: number }> {
  static override queue = "records-exports";
  async perform({ rows }: { rows: number }, context: JobContext) {
    await context.progress(50);
    return { exported: rows };
  }
}

/** A backend that keeps no records of its own, as SQS and Pub/Sub. */
const backendWithoutRecords = (store: string) => ({ ...createMemoryBackend({ store }), recordStore: undefined });

describe("job records", () => {
  const opened: Hopper[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((hopper) => hopper.close()));
  });

  it("refuses loudly, naming records.store, when the backend has no store and none is given", async () => {
    const hopper = createHopper({ backend: backendWithoutRecords("records-none"), jobs: [Export], records: {}, logger: silent });
    opened.push(hopper);
    const namesStore = (error: unknown) => ConfigurationError.isInstance(error) && error.field === "records.store" && /createRedisRecordStore/.test(error.message);
    await expect(hopper.jobs.get("x")).rejects.toSatisfy(namesStore);
    await expect(Export.performLater({ rows: 1 })).rejects.toSatisfy(namesStore);
    await expect(hopper.worker({ handleSignals: false }).run()).rejects.toSatisfy(namesStore);
    // Refused before sending: nothing went out.
    expect(await (await hopper.backend).stats!("records-exports")).toMatchObject({ ready: 0, delayed: 0 });
  });

  it("keeps records in the store given, for a backend without one", async () => {
    const store = createMemoryRecordStore();
    const hopper = createHopper({ backend: backendWithoutRecords("records-given"), jobs: [Export], records: { store }, logger: silent });
    opened.push(hopper);
    const id = await Export.performLater({ rows: 3 });
    expect((await store.get(id))?.state).toBe("waiting");
    const worker = hopper.worker({ handleSignals: false, pollWait: 50 });
    const running = worker.run();
    expect(await hopper.jobs.wait(id, { timeout: "20s" })).toMatchObject({ state: "succeeded", progress: 50, result: { exported: 3 } });
    await worker.stop();
    await running;
  });

  it("gives the store given, and the backend's own, the application's logger for what they do in the background", async () => {
    const lines: string[] = [];
    const logger = { ...silent, warn: (message: string) => lines.push(message) };
    const loggedTo: { warn(message: string): void }[] = [];
    const given = { ...createMemoryRecordStore(), useLogger: (to: { warn(message: string): void }) => loggedTo.push(to) };
    const first = createHopper({ backend: backendWithoutRecords("records-logger-given"), jobs: [Export], records: { store: given }, logger });
    opened.push(first);
    const own = { ...createMemoryRecordStore(), useLogger: (to: { warn(message: string): void }) => loggedTo.push(to) };
    const second = createHopper({ backend: { ...createMemoryBackend({ store: "records-logger-own" }), recordStore: () => own }, jobs: [Export], records: {}, logger });
    opened.push(second);
    await second.jobs.get("unknown");
    expect(loggedTo).toHaveLength(2);
    loggedTo[0]!.warn("from the given store");
    loggedTo[1]!.warn("from the backend's store");
    expect(lines).toEqual(["from the given store", "from the backend's store"]);
  });

  it("refuses a records store of another contract version and unknown records options", () => {
    expect(() => createHopper({ url: "memory://", jobs: [], records: { store: { specificationVersion: "v0" } as never } })).toThrow(/records\.store/);
    expect(() => createHopper({ url: "memory://", jobs: [], records: { kepp: {} } as never })).toThrow(/records\.kepp/);
    expect(() => createHopper({ url: "memory://", jobs: [], records: { maxResultBytes: 1.5 } })).toThrow(/records\.maxResultBytes/);
    expect(() => createHopper({ url: "memory://", jobs: [], records: { args: "no" } as never })).toThrow(/records\.args: must be true or false/);
    expect(() => createHopper({ url: "memory://", jobs: [], records: { maxArgsBytes: -1 } })).toThrow(/records\.maxArgsBytes/);
  });

  it("keeps args at the bound exactly, and past it only their size, never failing the enqueue", async () => {
    const store = createMemoryRecordStore();
    const hopper = createHopper({ backend: backendWithoutRecords("records-args"), jobs: [Export], records: { store, maxArgsBytes: 12 }, logger: silent });
    opened.push(hopper);
    // {"rows":1} is 10 bytes, {"rows":100} 12, {"rows":1000} 13.
    const at = await Export.performLater({ rows: 100 });
    const over = await Export.performLater({ rows: 1000 });
    expect((await hopper.jobs.get(at))?.args).toEqual({ kept: true, value: { rows: 100 } });
    expect((await hopper.jobs.get(over))?.args).toEqual({ kept: false, reason: "too-large", sizeBytes: 13 });
    // Stored as a wrapper, so args shaped like the marker read back as args.
    expect((await store.get(over))?.args).toBe('{"argsBytes":13}');
    class Echo extends Job<unknown> {
      static override queue = "records-args";
      async perform() {}
    }
    const echo = createHopper({ backend: backendWithoutRecords("records-args-echo"), jobs: [Echo], records: { store }, logger: silent });
    opened.push(echo);
    const lookalike = await Echo.performLater({ argsBytes: 13 });
    expect((await echo.jobs.get(lookalike))?.args).toEqual({ kept: true, value: { argsBytes: 13 } });
  });

  it("expires records on the test clock in a test Hopper", async () => {
    const hopper = createTestHopper({ jobs: [Export], records: { keep: { succeeded: "1h" } }, logger: silent });
    opened.push(hopper);
    const id = await Export.performLater({ rows: 2 });
    await hopper.performEnqueued();
    expect(await hopper.jobs.get(id)).toMatchObject({ state: "succeeded", result: { exported: 2 } });
    hopper.clock.advance("59m");
    expect(await hopper.jobs.get(id)).not.toBeNull();
    hopper.clock.advance("2m");
    expect(await hopper.jobs.get(id)).toBeNull();
  });

  it("validates progress in performNow, where no record is kept", async () => {
    class Inline extends Job<{ value: unknown }> {
      async perform({ value }: { value: unknown }, context: JobContext) {
        await context.progress(value as number);
      }
    }
    const hopper = createHopper({ url: "memory://", jobs: [Inline], logger: silent });
    opened.push(hopper);
    await expect(Inline.performNow({ value: 10 })).resolves.toMatchObject({ result: undefined });
    await expect(Inline.performNow({ value: "ten" })).rejects.toThrow(/progress: must be a finite number or a plain JSON object/);
  });
});
