import { ConfigurationError } from "@hopper/core";
import { describe, expect, it } from "vitest";
import { benchRedisLeases } from "./hopper-redis-leases.js";

describe("HOPPER_BENCH_REDIS_LEASES", () => {
  it("leaves URLs alone by default (compact, as the backend's default), and writes leases into the message for Redis URLs only", () => {
    expect(benchRedisLeases(undefined).mode).toBe("compact");
    expect(benchRedisLeases(undefined).url("redis://127.0.0.1:6379/0")).toBe("redis://127.0.0.1:6379/0");
    const message = benchRedisLeases("message");
    expect(new URL(message.url("redis://127.0.0.1:6379/0?keyPrefix=bench")).searchParams.get("compactLeases")).toBe("false");
    expect(new URL(message.url("redis://127.0.0.1:6379/0?keyPrefix=bench")).searchParams.get("keyPrefix")).toBe("bench");
    expect(message.url("postgres://localhost/db")).toBe("postgres://localhost/db");
  });

  it("refuses an unknown mode, naming the variable", () => {
    let error: unknown;
    try {
      benchRedisLeases("fast");
    } catch (caught) {
      error = caught;
    }
    expect(ConfigurationError.isInstance(error) && error.field).toBe("HOPPER_BENCH_REDIS_LEASES");
  });
});

