import { afterEach, describe, expect, it, vi } from "vitest";
import { requireService, serviceVariables } from "./test-helpers.js";

describe("requireService", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it("returns the service's variables when set", () => {
    vi.stubEnv("HOPPER_TEST_SQS_ENDPOINT", "http://127.0.0.1:1");
    expect(requireService("sqs")).toMatchObject({ HOPPER_TEST_SQS_ENDPOINT: "http://127.0.0.1:1" });
  });

  it("fails under CI=true when the service is missing", () => {
    vi.stubEnv("CI", "true");
    vi.stubEnv("HOPPER_TEST_POSTGRES_URL", "");
    expect(() => requireService("postgres")).toThrow(/postgres is required under CI=true/);
  });

  it("warns once, loudly, and skips locally when the service is missing", () => {
    vi.stubEnv("CI", "");
    vi.stubEnv("HOPPER_TEST_REDIS_CLUSTER_NODES", "");
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    expect(requireService("redis-cluster")).toBeUndefined();
    expect(requireService("redis-cluster")).toBeUndefined();
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]?.[0]).toMatch(/redis-cluster tests skipped: HOPPER_TEST_REDIS_CLUSTER_NODES not set.*pnpm services up redis-cluster/);
  });

  it("treats a real Pub/Sub project without an emulator as available", () => {
    expect(serviceVariables("pubsub", { HOPPER_TEST_PUBSUB_PROJECT: "my-project" })).toEqual({ HOPPER_TEST_PUBSUB_PROJECT: "my-project" });
  });
});
