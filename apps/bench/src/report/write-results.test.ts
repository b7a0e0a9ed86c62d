import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runResult, subject } from "./test-run-result.js";
import { latestBase, writeResults } from "./write-results.js";

describe("writeResults", () => {
  it("writes the run's table, JSON and chart, and the same as latest.*", () => {
    const directory = mkdtempSync(join(tmpdir(), "bench-results-"));
    const run = runResult([subject("redis/hopper", "hopper", 100, { enqueueSingle: { summary: { count: 0, median: Number.NaN, min: Number.NaN, max: Number.NaN, q1: Number.NaN, q3: Number.NaN }, samples: [], timedOut: false } })]);
    writeResults(run, directory);
    expect(readdirSync(directory).sort()).toEqual(["latest.json", "latest.md", "latest.svg", "run-2026-01-02T03-04-05Z.json", "run-2026-01-02T03-04-05Z.md", "run-2026-01-02T03-04-05Z.svg"]);
    const json = JSON.parse(readFileSync(join(directory, "latest.json"), "utf8"));
    expect(json.formatVersion).toBe(1);
    expect(json.subjects[0].enqueueSingle.summary.median).toBeNull();
    expect(readFileSync(join(directory, "run-2026-01-02T03-04-05Z.md"), "utf8")).toContain("](run-2026-01-02T03-04-05Z.svg)");
    expect(readFileSync(join(directory, "latest.md"), "utf8")).toContain("](latest.svg)");
  });

  it("hides credentials a run holds (a server URL given with its password) in every file it writes", () => {
    const directory = mkdtempSync(join(tmpdir(), "bench-results-"));
    const base = runResult([subject("redis/hopper", "hopper", 100)]);
    const url = "redis://default:hunter2-pass@cache.example:6379";
    const run = { ...base, command: `pnpm bench -b redis --redis-url ${url}`, subjects: base.subjects.map((entry) => ({ ...entry, spec: { ...entry.spec, connection: url } })) };
    writeResults(run, directory);
    for (const name of readdirSync(directory)) expect(readFileSync(join(directory, name), "utf8"), name).not.toContain("hunter2-pass");
    expect(readFileSync(join(directory, "latest.md"), "utf8")).toContain("redis://***@cache.example:6379");
    // The run itself is left as it was: the children still need the URL.
    expect(run.subjects[0]!.spec.connection).toBe(url);
  });

  it("gives every profile but the default its own latest files, so a full run or a sweep never overwrites the default run's", () => {
    const directory = mkdtempSync(join(tmpdir(), "bench-results-"));
    const run = runResult([subject("redis/hopper", "hopper", 100)]);
    writeResults({ ...run, plan: { ...run.plan, profile: "full" } }, directory);
    expect(readdirSync(directory).filter((name) => name.includes("latest")).sort()).toEqual(["full-latest.json", "full-latest.md", "full-latest.svg"]);
    expect(readFileSync(join(directory, "full-latest.md"), "utf8")).toContain("](full-latest.svg)");
    expect(latestBase("short")).toBe("latest");
  });
});
