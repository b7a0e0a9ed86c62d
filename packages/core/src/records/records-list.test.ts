import { afterEach, describe, expect, it } from "vitest";
import { ConfigurationError, createConsoleLogger, createHopper, createMemoryRecordStore, Job, type Hopper } from "@hopper/core";
import { createMemoryBackend } from "@hopper/core/memory";

const silent = createConsoleLogger("silent");

class Flaky extends Job<{ n: number }> {
  static override queue = "records-list";
  static override retry = { attempts: 1 };
  async perform({ n }: { n: number }) {
    throw new Error(`boom ${n}`);
  }
}

const namesField = (field: string) => (error: unknown) => ConfigurationError.isInstance(error) && error.field === field;

describe("hopper.jobs.list", () => {
  const opened: Hopper[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((hopper) => hopper.close()));
  });

  it("lists dead jobs newest first with a cursor, and forgets the ones whose dead letters were discarded", async () => {
    const hopper = createHopper({ url: "memory://records-list", jobs: [Flaky], records: {}, logger: silent });
    opened.push(hopper);
    const ids = [];
    for (let n = 0; n < 3; n += 1) ids.push(await Flaky.performLater({ n }));
    const worker = hopper.worker({ handleSignals: false, pollWait: 20 });
    const running = worker.run();
    for (const id of ids) await hopper.jobs.wait(id, { timeout: "20s" });
    await worker.stop();
    await running;
    const first = await hopper.jobs.list({ state: "dead", queue: "records-list", limit: 2 });
    expect(first.records).toHaveLength(2);
    expect(first.records[0]).toMatchObject({ state: "dead", queue: "records-list", job: "Flaky", error: { message: expect.stringMatching(/^boom/) } });
    const second = await hopper.jobs.list({ state: "dead", queue: "records-list", limit: 2, after: first.next! });
    expect(second.next).toBeNull();
    expect([...first.records, ...second.records].map((record) => record.id).sort()).toEqual([...ids].sort());

    const [taken] = await hopper.deadLetters("records-list").take({ ids: [ids[0]!], max: 10 });
    expect(taken?.id).toBe(ids[0]);
    expect(await hopper.jobs.get(ids[0]!)).toBeNull();
    expect((await hopper.jobs.list({ state: "dead", queue: "records-list" })).records.map((record) => record.id).sort()).toEqual(ids.slice(1).sort());
  });

  it("refuses bad queries naming the field, and a store that cannot list naming records.store", async () => {
    const hopper = createHopper({ url: "memory://records-list-bad", jobs: [Flaky], records: {}, logger: silent });
    opened.push(hopper);
    await expect(hopper.jobs.list({ state: "running" as never })).rejects.toSatisfy(namesField("state"));
    for (const limit of [0, 501, 1.5, "10"]) await expect(hopper.jobs.list({ state: "dead", limit: limit as never })).rejects.toSatisfy(namesField("limit"));
    await expect(hopper.jobs.list({ state: "dead", queue: "" })).rejects.toSatisfy(namesField("queue"));
    await expect(hopper.jobs.list({ state: "dead", job: "x".repeat(513) })).rejects.toSatisfy(namesField("job"));
    await expect(hopper.jobs.list({ state: "dead", after: "garbage" })).rejects.toSatisfy(namesField("after"));
    await expect(hopper.jobs.list({ state: "dead", sate: "dead" } as never)).rejects.toSatisfy(namesField("sate"));
    await expect(hopper.jobs.list(null as never)).rejects.toSatisfy(namesField("options"));

    const { list: _list, ...unlisting } = createMemoryRecordStore();
    const withoutList = createHopper({ backend: { ...createMemoryBackend({ store: "records-list-none" }), recordStore: undefined }, jobs: [Flaky], records: { store: unlisting }, logger: silent });
    opened.push(withoutList);
    await expect(withoutList.jobs.list({ state: "dead" })).rejects.toSatisfy((error: unknown) => namesField("records.store")(error) && /cannot list/.test((error as Error).message));
    const off = createHopper({ url: "memory://records-list-off", jobs: [Flaky], logger: silent });
    opened.push(off);
    await expect(off.jobs.list({ state: "dead" })).rejects.toSatisfy(namesField("records"));
  });
});
