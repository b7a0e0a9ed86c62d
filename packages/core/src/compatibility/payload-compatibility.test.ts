import { describe, expect, it } from "vitest";
import { z } from "zod";
import { serializeArgs } from "../envelope/args-serializer.js";
import { Job } from "../job.js";
import { checkPayloadCompatibility, recordExampleSample, type PayloadSample } from "./payload-compatibility.js";

// Version 1 had { user_id: number }; version 2 has { userId, locale, signedUpAt }.
class Welcome extends Job<{ userId: string; locale: string; signedUpAt: Date }> {
  static override version = 2;
  // Typed loosely, so the variants below may change them as a careless deploy would.
  static override upgrades: Record<number, (old: any) => unknown> = { 1: (old: { user_id: number; signedUpAt: Date }) => ({ userId: String(old.user_id), locale: "en", signedUpAt: old.signedUpAt }) };
  static override schema: z.ZodType = z.object({ userId: z.string(), locale: z.string().length(2), signedUpAt: z.date() });
  static override exampleArgs: unknown = { userId: "42", locale: "fr", signedUpAt: new Date("2026-01-01T00:00:00Z") };
  async perform() {}
}

function sample(job: string, version: number, args: unknown): PayloadSample {
  return { job, version, args: serializeArgs(args), source: `samples/${job}/v${version}.json` };
}

const welcomeV1 = sample("Welcome", 1, { user_id: 7, signedUpAt: new Date("2025-06-01T00:00:00Z") });
const welcomeV2 = sample("Welcome", 2, Welcome.exampleArgs);
const exampleArgs = Welcome.exampleArgs as Record<string, unknown>;

describe("checkPayloadCompatibility", () => {
  it("passes when every older sample upgrades to valid args and the current sample still fits", async () => {
    const report = await checkPayloadCompatibility([Welcome], [welcomeV1, welcomeV2]);
    expect(report.findings).toEqual([]);
    expect(report.jobs).toEqual([{ job: "Welcome", version: 2, samples: [1, 2], status: "ok" }]);
  });

  it("fails a version bump without its upgrade, naming the setting", async () => {
    class Bumped extends Welcome {
      static override version = 3;
    }
    const { findings, jobs } = await checkPayloadCompatibility([Bumped], [sample("Bumped", 2, Welcome.exampleArgs)]);
    expect(findings).toEqual([expect.objectContaining({ job: "Bumped", version: 3, field: "Bumped.upgrades", problem: "invalid-job", message: expect.stringContaining("upgrades[2]") })]);
    expect(jobs[0]!.status).toBe("failing");
  });

  it("fails an upgrade that throws, naming the job and the version", async () => {
    class Throwing extends Welcome {
      static override upgrades = {
        1: () => {
          throw new Error("user_id lookup needs the database");
        },
      };
    }
    const { findings } = await checkPayloadCompatibility([Throwing], [sample("Throwing", 1, { user_id: 7 }), sample("Throwing", 2, Welcome.exampleArgs)]);
    expect(findings).toEqual([expect.objectContaining({ job: "Throwing", version: 1, problem: "upgrade-failed", message: expect.stringContaining("user_id lookup needs the database") })]);
  });

  it("fails an upgrade that produces invalid args, naming the field", async () => {
    class Sloppy extends Welcome {
      static override upgrades = { 1: (old: { user_id: number; signedUpAt: Date }) => ({ userId: old.user_id, locale: "en", signedUpAt: old.signedUpAt }) };
    }
    const { findings } = await checkPayloadCompatibility([Sloppy], [sample("Sloppy", 1, { user_id: 7, signedUpAt: new Date() }), sample("Sloppy", 2, Welcome.exampleArgs)]);
    expect(findings).toEqual([expect.objectContaining({ job: "Sloppy", version: 1, field: "userId", problem: "invalid-after-upgrade" })]);
  });

  it("fails a new required field without a version bump: the current sample no longer validates", async () => {
    class Grown extends Welcome {
      static override schema = z.object({ userId: z.string(), locale: z.string(), signedUpAt: z.date(), channel: z.enum(["email", "sms"]) });
      static override exampleArgs = { ...exampleArgs, channel: "email" };
    }
    const { findings } = await checkPayloadCompatibility([Grown], [sample("Grown", 2, Welcome.exampleArgs)]);
    expect(findings).toEqual([expect.objectContaining({ job: "Grown", version: 2, field: "channel", problem: "shape-changed", message: expect.stringContaining("without a version bump") })]);
  });

  it("fails a renamed field that the schema still accepts, from the example's shape against the sample's", async () => {
    class Renamed extends Welcome {
      static override schema = z.object({ userId: z.string(), language: z.string().optional(), signedUpAt: z.date() });
      static override exampleArgs = { userId: "42", language: "fr", signedUpAt: new Date("2026-01-01T00:00:00Z") };
    }
    const { findings } = await checkPayloadCompatibility([Renamed], [sample("Renamed", 2, Welcome.exampleArgs)]);
    expect(findings).toEqual([expect.objectContaining({ job: "Renamed", field: "locale", problem: "shape-changed", message: expect.stringContaining("field locale is in the sample but no longer in the args") })]);
  });

  it("fails a job without a schema unless it is allowed by name", async () => {
    class Loose extends Job<{ id: string }> {
      async perform() {}
    }
    const failing = await checkPayloadCompatibility([Loose], []);
    expect(failing.findings).toEqual([expect.objectContaining({ job: "Loose", problem: "unchecked", message: expect.stringContaining("--allow-unchecked Loose") })]);
    const allowed = await checkPayloadCompatibility([Loose], [], { allowUnchecked: ["Loose"] });
    expect(allowed.findings).toEqual([]);
    expect(allowed.jobs).toEqual([{ job: "Loose", version: 1, samples: [], status: "unchecked" }]);
    // A misspelt or stale name allows nothing: refused, naming the jobs that can be allowed.
    await expect(checkPayloadCompatibility([Loose], [], { allowUnchecked: ["Lose", "Loose"] })).rejects.toThrow('allowUnchecked: "Lose" is not a job of the checked classes: allow only these, by name: Loose');
  });

  it("fails a job with no sample of its current version, and a sample newer than the job", async () => {
    const missing = await checkPayloadCompatibility([Welcome], [welcomeV1]);
    expect(missing.findings).toEqual([expect.objectContaining({ job: "Welcome", version: 2, problem: "no-sample", message: expect.stringContaining("hopper check --record") })]);
    const newer = await checkPayloadCompatibility([Welcome], [welcomeV1, welcomeV2, sample("Welcome", 3, { userId: "1" })]);
    expect(newer.findings).toEqual([expect.objectContaining({ job: "Welcome", version: 3, problem: "newer-sample" })]);
  });

  it("fails samples of a job the module no longer exports", async () => {
    const { findings } = await checkPayloadCompatibility([Welcome], [welcomeV1, welcomeV2, sample("Retired", 1, {})]);
    expect(findings).toEqual([expect.objectContaining({ job: "Retired", problem: "unknown-job" })]);
  });
});

describe("recordExampleSample", () => {
  it("stores the example args as they travel, rich types included", async () => {
    const recorded = await recordExampleSample(Welcome);
    expect(recorded).toEqual({ job: "Welcome", version: 2, args: serializeArgs(Welcome.exampleArgs) });
    expect(recorded.args.meta).toBeDefined(); // the Date's annotation
  });

  it("refuses a job without exampleArgs, and example args its own schema rejects", async () => {
    class NoExample extends Welcome {
      static override exampleArgs = undefined;
    }
    await expect(recordExampleSample(NoExample)).rejects.toThrow(/NoExample\.exampleArgs: is not set/);
    class BadExample extends Welcome {
      static override exampleArgs = { userId: 42 };
    }
    await expect(recordExampleSample(BadExample)).rejects.toThrow(/invalid arguments for BadExample: userId/);
  });
});
