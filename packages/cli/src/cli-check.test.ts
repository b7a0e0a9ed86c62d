import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCliProcess } from "./test-cli.js";

// `hopper check` needs no backend: each case spawns the bin on one fixture module
// (one per fault a deploy could bring) against the committed Welcome v1 and v2 samples.
const fixtures = fileURLToPath(new URL("./test-fixtures/check/", import.meta.url));
const samples = path.join(fixtures, "payload-samples");
const check = (module: string, ...args: string[]) => runCliProcess(["check", "--jobs", path.join(fixtures, module), "--samples", samples, ...args]);

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), "hopper-check-"));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe("hopper check", () => {
  it("passes (exit 0) when every stored payload upgrades to valid args and the current one still fits", { timeout: 60_000 }, async () => {
    const result = await check("good-jobs.ts");
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Welcome\s+2\s+v1, v2\s+ok/);
  });

  const faults: [module: string, expected: RegExp][] = [
    ["missing-upgrade-jobs.ts", /✗ Welcome v3 \(Welcome\.upgrades\) invalid-job: .*upgrades\[2\] \(version 2 → 3\) is missing/],
    ["throwing-upgrade-jobs.ts", /✗ Welcome v1 \(Welcome\.upgrades\) upgrade-failed: .*threw: user_id lookup needs the database/],
    ["invalid-upgrade-jobs.ts", /✗ Welcome v1 \(userId\) invalid-after-upgrade: .*userId: .*expected string/],
    ["unbumped-change-jobs.ts", /✗ Welcome v2 \(channel\) shape-changed: .*without a version bump/],
    ["no-schema-jobs.ts", /✗ Ping v1 unchecked: Ping has no schema.*--allow-unchecked Ping/],
  ];
  for (const [module, expected] of faults) {
    it(`fails (exit 1) on ${module.replace("-jobs.ts", "")}, naming the job, the version and the field`, { timeout: 60_000 }, async () => {
      const result = await check(module);
      expect(result.code, result.stderr).toBe(1);
      expect(result.stdout).toMatch(expected);
      expect(result.stdout).toContain("could break payloads already queued");
    });
  }

  it("lets a job without a schema pass when it is allowed by name, and says so", { timeout: 60_000 }, async () => {
    const result = await check("no-schema-jobs.ts", "--allow-unchecked", "Ping", "--json");
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as { jobs: { job: string; status: string }[]; findings: unknown[] };
    expect(report.findings).toEqual([]);
    expect(report.jobs).toEqual(expect.arrayContaining([expect.objectContaining({ job: "Ping", status: "unchecked" }), expect.objectContaining({ job: "Welcome", status: "ok" })]));
  });

  it("refuses --allow-unchecked naming a job the module does not have (a typo would allow nothing), exit 2", { timeout: 60_000 }, async () => {
    const result = await check("no-schema-jobs.ts", "--allow-unchecked", "Pnig");
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^hopper: --allow-unchecked: "Pnig" is not a job of the checked classes: allow only these, by name: .*Ping/);
    expect(result.stdout).toBe("");
  });

  it("--record writes the current version's sample from exampleArgs, keeps an existing one unless --overwrite", { timeout: 90_000 }, async () => {
    const directory = path.join(scratch, "record");
    await cp(path.join(samples, "Welcome", "v1.json"), path.join(directory, "Welcome", "v1.json"), { recursive: true });
    const record = (...args: string[]) => runCliProcess(["check", "--jobs", path.join(fixtures, "good-jobs.ts"), "--samples", directory, "--record", ...args]);

    const missing = await runCliProcess(["check", "--jobs", path.join(fixtures, "good-jobs.ts"), "--samples", directory]);
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain("no-sample: no sample of Welcome version 2");

    const first = await record();
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain("recorded");
    const written = JSON.parse(await readFile(path.join(directory, "Welcome", "v2.json"), "utf8"));
    expect(written).toEqual({ job: "Welcome", version: 2, args: { userId: "42", locale: "fr", signedUpAt: "2026-01-01T00:00:00.000Z" }, argsMeta: expect.any(Object) });

    // A hand-edited sample stays: recording must not hide a change of shape.
    await writeFile(path.join(directory, "Welcome", "v2.json"), JSON.stringify({ ...written, args: { ...written.args, locale: "de" } }));
    const kept = await record();
    expect(kept.stdout).not.toContain("recorded");
    expect(JSON.parse(await readFile(path.join(directory, "Welcome", "v2.json"), "utf8")).args.locale).toBe("de");
    const replaced = await record("--overwrite");
    expect(replaced.stdout).toContain("recorded");
    expect(JSON.parse(await readFile(path.join(directory, "Welcome", "v2.json"), "utf8")).args.locale).toBe("fr");
  });

  it("refuses a malformed sample file with exit 2, naming the file and the field", { timeout: 60_000 }, async () => {
    const directory = path.join(scratch, "malformed");
    await cp(samples, directory, { recursive: true });
    await writeFile(path.join(directory, "Welcome", "v1.json"), JSON.stringify({ job: "Welcome", version: "1", args: {} }));
    const result = await runCliProcess(["check", "--jobs", path.join(fixtures, "good-jobs.ts"), "--samples", directory]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("payload sample Welcome/v1.json: version must be an integer ≥ 1");
  });
});
