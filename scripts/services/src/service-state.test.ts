import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, it, vi } from "vitest";
import { isProcessAlive } from "./process-tools.js";
import { readState } from "./service-state.js";
import { stopServices, upServices } from "./services.js";

let stateDir: string;

beforeEach(() => {
  stateDir = mkdtempSync(join(tmpdir(), "hopper-state-test-"));
  vi.stubEnv("HOPPER_SERVICES_STATE_DIR", stateDir);
  vi.stubEnv("HOPPER_TEST_REDIS_URL", "");
});
afterEach(async () => {
  await stopServices();
  vi.unstubAllEnvs();
  rmSync(stateDir, { recursive: true, force: true });
});

it("reuses a live instance and cleans what a crashed run left behind", async () => {
  const first = await upServices(["redis"]);
  expect(first.services[0]?.outcome).toBe("started");
  const again = await upServices(["redis"]);
  expect(again.services[0]?.outcome).toBe("reused");
  expect(again.env).toEqual(first.env);

  // An owner that has exited stands for a test run that crashed before its teardown.
  const deadPid = spawnSync("true").pid ?? 0;
  const orphan = await upServices(["redis"], { owner: { kind: "process", pid: deadPid } });
  const orphanInstance = orphan.services[0]?.outcome === "started" ? orphan.services[0].instance : undefined;
  expect(orphanInstance).toBeDefined();
  expect(readState()).toHaveLength(2);

  const stopped = await stopServices({ owner: { kind: "cli", pid: 0 } });
  expect(stopped.map((instance) => instance.owner.pid)).toEqual([deadPid]);
  expect(orphanInstance?.processes.every((process_) => !isProcessAlive(process_))).toBe(true);
  expect(readState()).toHaveLength(1);
});

it("treats a service whose variable is already set as external", async () => {
  vi.stubEnv("HOPPER_TEST_REDIS_URL", "redis://real-server:6379");
  const result = await upServices(["redis"]);
  expect(result.services[0]).toMatchObject({ outcome: "external", variables: ["HOPPER_TEST_REDIS_URL"] });
  expect(result.env).toEqual({ HOPPER_TEST_REDIS_URL: "redis://real-server:6379" });
  expect(readState()).toHaveLength(0);
});
