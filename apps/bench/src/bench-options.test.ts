import { describe, expect, it } from "vitest";
import { loadProfiles } from "./bench-plan.js";
import { commandLine, defaultBackends, parseBenchOptions, parseSize } from "./bench-options.js";

const profiles = loadProfiles();
const quiet = { writeOut() {}, writeErr() {} };

describe("parseBenchOptions", () => {
  it("runs the short profile on the default backends with no arguments", () => {
    const options = parseBenchOptions([], profiles);
    expect(options.plan).toEqual(profiles.short);
    expect(options.backends).toEqual(defaultBackends);
    expect(options.backendsGiven).toBe(false);
    expect(options.scenarios).toContain("drain");
    expect(options.kinds).toEqual(["hopper", "raw", "peer"]);
    expect(options.startServices).toBe(true);
    expect(options.outDir).toBe("benchmarks/results");
    expect(options.readme).toBeUndefined();
  });

  it("takes subjects by name in -k beside kinds, and refuses a name no subject has", () => {
    expect(parseBenchOptions(["-k", "hopper,pg-boss"], profiles).kinds).toEqual(["hopper", "pg-boss"]);
    expect(() => parseBenchOptions(["-k", "pgboss"], profiles, quiet)).toThrow(/unknown subject kind or name "pgboss"/);
  });

  it("overrides the profile's counts, concurrency, sizes and repetitions from flags", () => {
    const options = parseBenchOptions(
      ["--profile", "full", "-b", "redis,pglite", "-s", "drain,latency", "-n", "5_000", "--bulk-batch", "1000", "-c", "2,20", "--payload-sizes", "1KB,100B", "-r", "7", "--warmup", "0", "--rate", "300", "--no-services", "--readme", "README.md"],
      profiles,
    );
    expect(options.plan.profile).toBe("full");
    expect(options.backends).toEqual(["redis", "pglite"]);
    expect(options.backendsGiven).toBe(true);
    expect(options.scenarios).toEqual(["drain", "latency"]);
    expect(options.plan.drain.jobs).toBe(5000);
    expect(options.plan.enqueue.bulkBatch).toBe(1000);
    expect(options.plan.drain.concurrency).toEqual([2, 20]);
    expect(options.plan.payload.sizes).toEqual([1024, 100]);
    expect(options.plan.repetitions).toBe(7);
    expect(options.plan.warmup).toBe(0);
    expect(options.plan.latency.rate).toBe(300);
    expect(options.plan.drain.timeoutMs).toBe(profiles.full!.drain.timeoutMs);
    expect(options.startServices).toBe(false);
    expect(options.readme).toBe("README.md");
  });

  it("takes URLs for real servers and cloud services", () => {
    const options = parseBenchOptions(["--redis-url", "redis://cache:6379", "--sqs-url", "sqs://eu-west-1/bench-"], profiles);
    expect(options.urls).toEqual({ redis: "redis://cache:6379", sqs: "sqs://eu-west-1/bench-" });
  });

  it("rejects unknown backends, scenarios, profiles and bad numbers", () => {
    expect(() => parseBenchOptions(["-b", "kafka"], profiles, quiet)).toThrow(/unknown backend "kafka"/);
    expect(() => parseBenchOptions(["-s", "soak"], profiles, quiet)).toThrow(/unknown scenario "soak"/);
    expect(() => parseBenchOptions(["-n", "0"], profiles, quiet)).toThrow(/positive integer/);
    expect(() => parseBenchOptions(["--profile", "huge"], profiles, quiet)).toThrow(/unknown profile "huge"/);
  });
});

describe("--latency-worker", () => {
  it("keeps the profile's layout, same, unless given", () => {
    expect(parseBenchOptions([], profiles).plan.latency.worker).toBe("same");
    expect(parseBenchOptions(["--profile", "full"], profiles).plan.latency.worker).toBe("same");
  });

  it("takes same or process", () => {
    expect(parseBenchOptions(["--latency-worker", "process"], profiles).plan.latency.worker).toBe("process");
    expect(parseBenchOptions(["--profile", "full", "--latency-worker", "same"], profiles).plan.latency.worker).toBe("same");
  });

  it("refuses any other value, naming the option and the values it takes", () => {
    const refusal = () => parseBenchOptions(["--latency-worker", "child"], profiles, quiet);
    expect(refusal).toThrow(/--latency-worker/);
    expect(refusal).toThrow(/unknown latency worker layout "child": use same, process/);
  });
});

describe("parseSize", () => {
  it("reads bytes and binary kilo/megabytes", () => {
    expect(parseSize("100B")).toBe(100);
    expect(parseSize("10KB")).toBe(10_240);
    expect(parseSize("200kb")).toBe(204_800);
    expect(parseSize("1MiB")).toBe(1_048_576);
    expect(parseSize("512")).toBe(512);
    expect(() => parseSize("ten")).toThrow(/size/);
  });
});

describe("commandLine", () => {
  it("reproduces the invocation, quoting what a shell would split", () => {
    expect(commandLine([])).toBe("pnpm bench");
    expect(commandLine(["-b", "redis,sqs", "--sqs-url", "sqs://eu-west-1/a b"])).toBe('pnpm bench -b redis,sqs --sqs-url "sqs://eu-west-1/a b"');
  });
});
