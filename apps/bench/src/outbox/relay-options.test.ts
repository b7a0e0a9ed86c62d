import { describe, expect, it } from "vitest";
import { parseRelayOptions } from "./relay-options.js";

const quiet = { writeOut() {}, writeErr() {} };

describe("parseRelayOptions", () => {
  it("defaults to Redis, 200 transactions of 10 jobs, 4 producers, 3 rounds, batches of 500", () => {
    expect(parseRelayOptions([])).toEqual({ targets: ["redis"], transactions: 200, jobsPerTransaction: 10, producers: 4, rounds: 3, relayBatch: 500, directBatch: 500, outDir: "benchmarks/results" });
  });

  it("reads every flag and drops repeated targets", () => {
    const options = parseRelayOptions(["-t", "redis,sqs,redis", "--transactions", "1_000", "-k", "5", "-p", "2", "-r", "5", "--relay-batch", "100", "--direct-batch", "1000", "--postgres-url", "postgres://x/y", "-o", "/tmp/out"]);
    expect(options).toEqual({ targets: ["redis", "sqs"], transactions: 1000, jobsPerTransaction: 5, producers: 2, rounds: 5, relayBatch: 100, directBatch: 1000, postgresUrl: "postgres://x/y", outDir: "/tmp/out" });
  });

  it("refuses an unknown target, naming the ones it knows", () => {
    let message = "";
    expect(() => parseRelayOptions(["-t", "kafka"], { writeOut() {}, writeErr: (text) => (message += text) })).toThrow();
    expect(message).toContain('unknown target "kafka": use redis, sqs, pubsub');
  });

  it("refuses a count that is not a positive integer", () => {
    expect(() => parseRelayOptions(["--transactions", "0"], quiet)).toThrow(/positive integer/);
    expect(() => parseRelayOptions(["-k", "2.5"], quiet)).toThrow(/positive integer/);
  });
});
