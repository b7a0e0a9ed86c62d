import { createHook } from "node:async_hooks";
import { createConsoleLogger, createHopper } from "@hopper/core";
import type { Backend } from "@hopper/core/backend";
import { countedJobs } from "./one-at-a-time.js";

/**
 * Promises made per drained job with records on (`records: {}`) or off, counted by async_hooks: the difference
 * between draining 120 and 20 jobs, one at a time by one worker (concurrency 1, no prefetch), so what a worker's
 * start and stop make cancels out. Where records ride with the backend's claim and ack, on should equal off: the
 * record costs a job no promise, so no frame is suspended on it (#20: what survives a scavenge costs the drain).
 */
export async function countPromisesPerDrainedJob(open: () => Backend | Promise<Backend>, records: boolean): Promise<number> {
  const queue = `promises-${records ? "on" : "off"}-${Math.random().toString(36).slice(2, 10)}`;
  const counted = countedJobs(queue);
  const hopper = createHopper({ backend: await open(), jobs: [counted.jobClass], logger: createConsoleLogger("silent"), ...(records && { records: {} }) });
  let promises = 0;
  const hook = createHook({
    init(_id, type) {
      if (type === "PROMISE") promises += 1;
    },
  });
  const drain = async (jobs: number): Promise<number> => {
    await hopper.enqueueAll(counted.jobClass, Array.from({ length: jobs }, (_, n) => ({ n })));
    const before = promises;
    hook.enable();
    try {
      await counted.runOneAtATime(hopper, jobs);
    } finally {
      hook.disable();
    }
    return promises - before;
  };
  try {
    await drain(5); // the record store opened, scripts loaded, tables made
    const few = await drain(20);
    const many = await drain(120);
    return (many - few) / 100;
  } finally {
    await hopper.close();
  }
}
