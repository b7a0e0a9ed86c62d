import { describe, expect, it } from "vitest";
import { createMemoryBackend } from "../memory/memory-backend.js";
import { combinedCapabilities } from "./combined-capabilities.js";

const memory = createMemoryBackend({ store: "combined-capabilities-units" }).capabilities;

describe("combinedCapabilities: defaultPrefetch", () => {
  it("is the least of the routes' when every route declares one, and absent (the core's 200) when any route does not", () => {
    expect(combinedCapabilities([{ ...memory, defaultPrefetch: 1000 }, { ...memory, defaultPrefetch: 400 }], false).defaultPrefetch).toBe(400);
    expect(combinedCapabilities([{ ...memory, defaultPrefetch: 1000 }], false).defaultPrefetch).toBe(1000);
    expect(combinedCapabilities([{ ...memory, defaultPrefetch: 1000 }, { ...memory }], false)).not.toHaveProperty("defaultPrefetch");
  });
});
