import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { decodeEnvelope } from "../envelope/envelope.js";
import { ConfigurationError } from "../errors/configuration-error.js";
import { createHopper, type Hopper } from "../hopper.js";
import { Job, type JobContext } from "../job.js";
import { createConsoleLogger } from "../logger.js";
import { refusedBatchJobs, takeAll } from "../test-fixtures/batch-jobs.js";
import { createMemoryBackend } from "../memory/memory-backend.js";
import { createMemoryRecordStore } from "../records/memory-record-store.js";
import type { RecordStore } from "../records/record-store.js";
import type { Middleware } from "../middleware.js";

const hoppers: Hopper[] = [];
afterEach(async () => {
  await Promise.all(hoppers.splice(0).map((hopper) => hopper.close()));
});
const logger = createConsoleLogger("silent");

function flowJobs(queue: string) {
  const seen: unknown[] = [];
  class Square extends Job<{ n: number }> {
    static override queue = queue;
    static override jobName = `${queue}-square`;
    async perform({ n }: { n: number }) {
      return n * n;
    }
  }
  class Sum extends Job<{ label: string }> {
    static override queue = queue;
    static override jobName = `${queue}-sum`;
    async perform({ label }: { label: string }, context: JobContext) {
      const results = await context.childResults!();
      seen.push({ label, results: results.map((each) => each.result) });
    }
  }
  return { seen, Square, Sum, ...refusedBatchJobs(queue) };
}


const refusal = async (promise: Promise<unknown>) => {
  const error = await promise.then(() => undefined, (caught: unknown) => caught);
  expect(ConfigurationError.isInstance(error)).toBe(true);
  return { field: (error as ConfigurationError).field, message: (error as Error).message };
};

describe("flows", () => {
  it("refuses a flow when records are off, naming the option", async () => {
    const queue = `flow-norecords-${randomUUID().slice(0, 8)}`;
    const { Square, Sum } = flowJobs(queue);
    const hopper = createHopper({ backend: createMemoryBackend({ store: queue }), jobs: [Square, Sum], logger });
    hoppers.push(hopper);
    const refused = await refusal(hopper.flow({ parent: [Sum, { label: "x" }], children: [[Square, { n: 2 }]] }));
    expect(refused.field).toBe("records");
    expect(refused.message).toMatch(/createHopper\(\{ records: \{\} \}\)/);
    expect(await takeAll(hopper, queue)).toEqual([]);
  });

  it("refuses bad input at creation, naming the field; nothing is sent", async () => {
    const queue = `flow-bad-${randomUUID().slice(0, 8)}`;
    const { Square, Sum, Unique, NotRegistered } = flowJobs(queue);
    const hopper = createHopper({ backend: createMemoryBackend({ store: queue }), jobs: [Square, Sum, Unique], logger, records: {} });
    hoppers.push(hopper);
    const child = [Square, { n: 1 }] as const;
    expect((await refusal(hopper.flow({ parent: [NotRegistered, {}], children: [child] }))).field).toBe("flow.parent");
    expect((await refusal(hopper.flow({ parent: Sum as never, children: [child] }))).field).toBe("flow.parent");
    const empty = await refusal(hopper.flow({ parent: [Sum, { label: "x" }], children: [] }));
    expect(empty.field).toBe("flow.children");
    expect(empty.message).toMatch(/at least one child/);
    expect((await refusal(hopper.flow({ parent: [Sum, { label: "x" }] } as never))).field).toBe("flow.children");
    expect((await refusal(hopper.flow({ parent: [Sum, { label: "x" }], children: [child, [NotRegistered, {}]] }))).field).toBe("flow.children[1]");
    expect((await refusal(hopper.flow({ parent: [Sum, { label: "x" }], children: [child, Square as never] }))).field).toBe("flow.children[1]");
    expect((await refusal(hopper.flow({ parent: [Sum, { label: "x" }], children: [[Unique, { n: 1 }]] }))).field).toBe(`${queue}-unique.unique`);
    expect((await refusal(hopper.flow({ parent: [Sum, { label: "x" }], children: [[Square, { n: 1 }, { dedupeKey: "k" } as never]] }))).field).toBe("flow.children[0][2].dedupeKey");
    expect((await refusal(hopper.flow({ parent: [Sum, { label: "x" }], children: [[Square, { n: 1 }, "fast" as never]] }))).field).toBe("flow.children[0][2]");
    // A misspelt option of a later child: refused before the first child is sent.
    expect((await refusal(hopper.flow({ parent: [Sum, { label: "x" }], children: [child, [Square, { n: 2 }, { queeu: "reports" } as never]] }))).field).toBe("flow.children[1][2].queeu");
    expect((await refusal(hopper.flow({ parent: [Sum, { label: "x" }], children: [child], after: 1 } as never))).field).toBe("flow.after");
    // A flow given as a child: flows do not nest, and the refusal says so.
    const nested = await refusal(hopper.flow({ parent: [Sum, { label: "outer" }], children: [{ parent: [Sum, { label: "inner" }], children: [child] } as never] }));
    expect(nested.field).toBe("flow.children[0]");
    expect(nested.message).toMatch(/flows do not nest/);
    expect(await takeAll(hopper, queue)).toEqual([]);
    expect(() => hopper.flows.get("not-a-flow")).toThrow(ConfigurationError);
  });

  it("a child's result is in its record before the bookkeeping that enqueues the parent", async () => {
    const queue = `flow-order-${randomUUID().slice(0, 8)}`;
    const { seen, Square, Sum } = flowJobs(queue);
    const order: string[] = [];
    const inner = createMemoryRecordStore();
    const store: RecordStore = new Proxy(inner, {
      get(target, property, receiver) {
        if (property !== "settle") return Reflect.get(target, property, receiver) as unknown;
        return async (record: Parameters<RecordStore["settle"]>[0]) => {
          order.push(`settle:${record.id}:${record.state}`);
          return target.settle(record);
        };
      },
    });
    const noteEnqueue: Middleware = {
      async enqueue(context, next) {
        order.push(`enqueue:${context.jobName}`);
        return next();
      },
    };
    const hopper = createHopper({ backend: createMemoryBackend({ store: queue }), jobs: [Square, Sum], logger, records: { store }, middleware: [noteEnqueue] });
    hoppers.push(hopper);
    const flow = await hopper.flow({ parent: [Sum, { label: "squares" }], children: [[Square, { n: 2 }], [Square, { n: 3 }]] });
    const children = await takeAll(hopper, queue);
    expect(children.map((message) => decodeEnvelope(message.body).id).sort()).toEqual([...flow.childJobIds].sort());
    order.length = 0;
    for (const message of children) await hopper.runMessage({ queue, body: message.body, id: message.id, deliveryAttempt: 1 });
    // The last child's result is written before the parent is sent, so the parent never reads a child still running.
    const parentSent = order.indexOf(`enqueue:${Sum.jobName}`);
    expect(parentSent).toBeGreaterThan(-1);
    for (const childId of flow.childJobIds) expect(order.slice(0, parentSent)).toContain(`settle:${childId}:succeeded`);
    const [parent] = await takeAll(hopper, queue);
    expect(decodeEnvelope(parent!.body).id).toBe(flow.parentJobId);
    await hopper.runMessage({ queue, body: parent!.body, id: parent!.id, deliveryAttempt: 1 });
    expect(seen).toEqual([{ label: "squares", results: [4, 9] }]);
    expect(await flow.status()).toMatchObject({ state: "succeeded", parent: { state: "succeeded", jobId: flow.parentJobId }, stoppedBy: [] });
  });
});
