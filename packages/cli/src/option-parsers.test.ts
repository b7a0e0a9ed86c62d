import { InvalidArgumentError } from "commander";
import { describe, expect, it } from "vitest";
import { parseDurationMs, parseListenHost, parseWaitDurationMs, parseWorkerQueues } from "./option-parsers.js";

function refused(parse: () => unknown): string | undefined {
  try {
    parse();
  } catch (error) {
    if (error instanceof InvalidArgumentError) return error.message;
    throw error;
  }
  return undefined;
}

describe("CLI option values", () => {
  it("--host: an empty or blank address is refused (listen() would take every interface)", () => {
    expect(refused(() => parseListenHost(""))).toMatch(/0\.0\.0\.0/);
    expect(refused(() => parseListenHost("  "))).toBeDefined();
    expect(refused(() => parseListenHost("local host"))).toBeDefined();
    expect(parseListenHost("127.0.0.1")).toBe("127.0.0.1");
    expect(parseListenHost("::1")).toBe("::1");
  });

  it("--queues: a weight that is not one whole number is refused, not read as its first part", () => {
    expect(refused(() => parseWorkerQueues("a:1:2"))).toMatch(/a:1:2/);
    expect(parseWorkerQueues("critical:6,default:2")).toEqual({ critical: 6, default: 2 });
  });

  it("durations take hours up to the 24h their message names; --wait takes 0, its default", () => {
    expect(parseDurationMs("1h")).toBe(3_600_000);
    expect(parseDurationMs("24h")).toBe(86_400_000);
    expect(refused(() => parseDurationMs("25h"))).toMatch(/24h/);
    expect(refused(() => parseDurationMs("0"))).toBeDefined();
    expect(parseWaitDurationMs("0")).toBe(0);
    expect(parseWaitDurationMs("2s")).toBe(2000);
    expect(refused(() => parseWaitDurationMs("-1"))).toBeDefined();
  });
});
