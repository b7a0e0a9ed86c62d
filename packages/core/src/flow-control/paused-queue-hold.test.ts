import { describe, expect, it } from "vitest";
import { createHopper } from "../hopper.js";
import { Job } from "../job.js";
import { createConsoleLogger } from "../logger.js";
import { createMemoryBackend } from "../memory/memory-backend.js";
import { createMemoryCoordinationStore } from "../coordination/memory-coordination-store.js";
import { encodeEnvelope } from "../envelope/envelope.js";
import { setQueuePaused } from "./queue-pauses.js";

const silent = createConsoleLogger("silent");

describe("the pause hold of push handlers", () => {
  it("refuses a pausedPushHold that is not a positive duration, naming the field", () => {
    for (const value of ["soon", 0, -1]) {
      expect(() => createHopper({ url: "memory://", jobs: [], logger: silent, pausedPushHold: value as never })).toThrow(expect.objectContaining({ field: "pausedPushHold" }));
    }
  });

  it("reads the pause flags once for a burst of pushed jobs, every job waiting for the read under way (none runs on stale flags)", async () => {
    const queue = `push-hold-${Date.now().toString(36)}`;
    const inner = createMemoryCoordinationStore();
    await setQueuePaused(inner, queue, true);
    let reads = 0;
    const coordination = new Proxy(inner, {
      get(target, property, receiver) {
        const value = Reflect.get(target, property, receiver);
        if (property !== "advance") return typeof value === "function" ? value.bind(target) : value;
        return (key: string, ...rest: unknown[]) => {
          if (key === "hopper:queue-pause-changes") reads++;
          return (value as (...args: unknown[]) => unknown).apply(target, [key, ...rest]);
        };
      },
    });
    let performed = 0;
    class Pushed extends Job<Record<string, never>> {
      static override queue = queue;
      async perform() {
        performed++;
      }
    }
    const hopper = createHopper({ backend: createMemoryBackend({ store: queue }), jobs: [Pushed], logger: silent, coordination });
    const body = (id: string) => encodeEnvelope({ hopper: 1, id, job: "Pushed", version: 1, args: {}, queue, priority: 0, enqueuedAt: new Date().toISOString(), attempt: 1, meta: {} } as never);
    const outcomes = await Promise.all(Array.from({ length: 20 }, (_, index) => hopper.runMessage({ queue, id: `m${index}`, body: body(`j${index}`), deliveryAttempt: 1 })));
    expect(outcomes.every((outcome) => outcome.status === "done")).toBe(true);
    expect(performed).toBe(0);
    expect(reads).toBe(1);
    expect(await (await hopper.backend).stats!(queue)).toMatchObject({ delayed: 20 });
    await hopper.close();
  });
});
