// A worker process for the iteration kill suite (records on): prints "item <n>" as each item starts and
// hangs on item HANG_AT, so the test kills it at a known point after its last checkpoint.
import { createConsoleLogger, createHopper } from "@hopper/core";
import { iteratingJobClass } from "./iterating-job.js";

const hangAt = Number(process.env.HANG_AT);
const CountingWalk = iteratingJobClass(process.env.FIXTURE_QUEUE!, async (item) => {
  process.stdout.write(`item ${item}\n`);
  if (item === hangAt) await new Promise(() => {});
});
const hopper = createHopper({ url: process.env.HOPPER_URL!, jobs: [CountingWalk], records: {}, logger: createConsoleLogger("warn") });
await hopper.worker({ queues: [process.env.FIXTURE_QUEUE!], concurrency: 1, lease: "2s", pollWait: "200ms" }).run();
