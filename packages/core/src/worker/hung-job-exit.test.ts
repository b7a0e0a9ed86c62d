import { expect, it } from "vitest";
import { createConsoleLogger } from "../logger.js";
import { exitForHungJob, HUNG_JOB_EXIT_CODE } from "./hung-job-exit.js";

const run = { job: "Stuck", jobId: "job-1", timeoutMs: 200, overrunMs: 100 };
const logger = createConsoleLogger("silent");

it("exits only once the hung job's record is written, after the graceful stop", async () => {
  const order: string[] = [];
  let written!: () => void;
  const reported = new Promise<void>((resolve) => (written = resolve));
  const exiting = exitForHungJob(run, { logger, stop: async () => void order.push("stopped"), shutdownTimeoutMs: 5000, reported, exit: (code) => void order.push(`exit ${code}`) });
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(order).toEqual(["stopped"]);
  order.push("record written");
  written();
  await exiting;
  expect(order).toEqual(["stopped", "record written", `exit ${HUNG_JOB_EXIT_CODE}`]);
});

it("lets the middleware write out after the graceful stop and before the exit; a failing one does not stop the exit", async () => {
  const order: string[] = [];
  const beforeExit = async () => {
    order.push("middleware wrote out");
    throw new Error("exporter down");
  };
  await exitForHungJob(run, { logger, stop: async () => void order.push("stopped"), shutdownTimeoutMs: 5000, beforeExit, exit: (code) => void order.push(`exit ${code}`) });
  expect(order).toEqual(["stopped", "middleware wrote out", `exit ${HUNG_JOB_EXIT_CODE}`]);
});

it("keeps the middleware a slice of the bound when the graceful stop takes all of it", async () => {
  const order: string[] = [];
  // The bound is shutdownTimeoutMs plus a 5 s grace, of which beforeExit keeps 2 s: the stop gets 100 ms here.
  await exitForHungJob(run, { logger, stop: () => new Promise(() => {}), shutdownTimeoutMs: -2900, beforeExit: async () => void order.push("middleware wrote out"), exit: (code) => void order.push(`exit ${code}`) });
  expect(order).toEqual(["middleware wrote out", `exit ${HUNG_JOB_EXIT_CODE}`]);
});

it("exits past its bound when the record write never answers", async () => {
  const codes: number[] = [];
  await exitForHungJob(run, { logger, stop: async () => {}, shutdownTimeoutMs: -4900 /* the bound adds a 5 s grace: 100 ms */, reported: new Promise(() => {}), exit: (code) => void codes.push(code) });
  expect(codes).toEqual([HUNG_JOB_EXIT_CODE]);
});
