import { ConfigurationError } from "@hopper/core";
import { describe, expect, it } from "vitest";
import { benchRedisLeases } from "./hopper-redis-leases.js";

describe("HOPPER_BENCH_REDIS_LEASES", () => {
  it("leaves URLs alone by default, and turns compact leases on for Redis URLs only", () => {
    expect(benchRedisLeases(undefined).url("redis://127.0.0.1:6379/0")).toBe("redis://127.0.0.1:6379/0");
    const compact = benchRedisLeases("compact");
    expect(new URL(compact.url("redis://127.0.0.1:6379/0?keyPrefix=bench")).searchParams.get("compactLeases")).toBe("true");
    expect(new URL(compact.url("redis://127.0.0.1:6379/0?keyPrefix=bench")).searchParams.get("keyPrefix")).toBe("bench");
    expect(compact.url("postgres://localhost/db")).toBe("postgres://localhost/db");
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

