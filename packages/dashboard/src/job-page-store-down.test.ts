import { afterEach, expect, it } from "vitest";
import { createConsoleLogger, createHopper, createMemoryRecordStore, type Hopper, type RecordStore } from "@hopper/core";
import { createMemoryBackend } from "@hopper/core/memory";
import { createDashboard } from "./dashboard.js";

// Found by the cockpit review of 2026-12-07 (the next stop): the Job page answered 400 (the request's fault) when the
// record store did not answer, where every other page answers 503.

const hoppers: Hopper[] = [];
afterEach(async () => {
  await Promise.all(hoppers.splice(0).map((hopper) => hopper.close()));
});

it("the Job page answers 503 while the record store is down, as the other pages do", async () => {
  const down = new Error("connect ECONNREFUSED 127.0.0.1:6379");
  // A record store whose reads fail as an unreachable server's do.
  const store: RecordStore = { ...createMemoryRecordStore(), get: async () => Promise.reject(down) };
  const hopper = createHopper({ backend: createMemoryBackend(), jobs: [], logger: createConsoleLogger("silent"), records: { store } });
  hoppers.push(hopper);
  const dashboard = createDashboard({ hopper, authorize: () => true, logger: createConsoleLogger("silent") });
  const answer = await dashboard.fetch(new Request("http://localhost/jobs?id=0190b3c4-0000-7000-8000-000000000000"));
  expect(answer.status).toBe(503);
  expect(await answer.text()).toContain("ECONNREFUSED");
});
