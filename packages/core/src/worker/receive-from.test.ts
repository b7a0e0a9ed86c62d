// A worker stopped while its Hopper stays open left an SQS FIFO backend's group lines leased for a whole lease (only
// close() gave them back): the worker now tells its backend when it starts and stops receiving (Backend.receiveFrom).
import { expect, it } from "vitest";
import { createHopper } from "../hopper.js";
import { Job } from "../job.js";
import { createConsoleLogger } from "../logger.js";
import { createMemoryBackend } from "../memory/memory-backend.js";
import { createRoutedBackend } from "../routing/routed-backend.js";

class Noop extends Job<Record<string, never>> {
  static override queue = "receive-from";
  async perform() {}
}

it("a worker says which queues it receives from when it starts, and that it stopped once its receive loops ended", async () => {
  const memory = createMemoryBackend({ store: "receive-from" });
  const events: string[] = [];
  let receiving = 0;
  const backend = {
    ...memory,
    receive: async (options: Parameters<typeof memory.receive>[0]) => {
      receiving += 1;
      try {
        return await memory.receive(options);
      } finally {
        receiving -= 1;
      }
    },
    receiveFrom(queues: readonly string[]) {
      events.push(`receiving from ${queues.join(", ")}`);
      return () => events.push(`stopped, ${receiving} receives in flight`);
    },
  };
  const hopper = createHopper({ backend, jobs: [Noop], logger: createConsoleLogger("silent") });
  try {
    const worker = hopper.worker({ queues: ["receive-from", "other"], handleSignals: false, pollWait: "50ms" });
    const running = worker.run();
    await Noop.performLater({});
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(events).toEqual(["receiving from receive-from, other"]);
    await worker.stop();
    await running;
    expect(events).toEqual(["receiving from receive-from, other", "stopped, 0 receives in flight"]);
  } finally {
    await hopper.close();
  }
});

it("a routed backend tells each backend a queue is received from: its send backend and those it drains", () => {
  const calls: string[] = [];
  const tracked = (name: string) => {
    const memory = createMemoryBackend({ store: `receive-from-${name}` });
    return { ...memory, receiveFrom: (queues: readonly string[]) => (calls.push(`${name} +${queues.join(",")}`), () => void calls.push(`${name} -${queues.join(",")}`)) };
  };
  const [fallback, send, old] = [tracked("fallback"), tracked("send"), tracked("old")];
  const routed = createRoutedBackend({ fallback, queues: new Map([["moved", { send, drainFrom: [old] }]]), owned: [] });
  const stop = routed.receiveFrom!(["moved", "plain"]);
  expect(calls).toEqual(["send +moved", "old +moved", "fallback +plain"]);
  stop();
  stop();
  expect(calls.slice(3)).toEqual(["send -moved", "old -moved", "fallback -plain"]);
});
