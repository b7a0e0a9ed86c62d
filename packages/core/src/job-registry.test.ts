import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ConfigurationError } from "./errors/configuration-error.js";
import { JobValidationError } from "./errors/job-validation-error.js";
import { PayloadVersionError } from "./errors/payload-version-error.js";
import { UnknownJobError } from "./errors/unknown-job-error.js";
import { Job } from "./job.js";
import { JobRegistry, upgradeArgs, validateArgs } from "./job-registry.js";

class Welcome extends Job<{ userId: string; locale: string; channel: string }> {
  static override version = 3;
  static override upgrades = {
    1: (old: { user_id: number }) => ({ userId: String(old.user_id), locale: "en" }),
    2: (old: { userId: string; locale: string }) => ({ ...old, channel: "email" }),
  };
  async perform() {}
}

function configurationError(register: () => unknown): ConfigurationError {
  try {
    register();
  } catch (error) {
    if (ConfigurationError.isInstance(error)) return error;
    throw error;
  }
  throw new Error("expected a ConfigurationError");
}

describe("payload upgrades", () => {
  const registry = new JobRegistry([Welcome]);
  const definition = registry.lookup("Welcome");

  it("upgrades a v1 payload through every step to v3", () => {
    expect(upgradeArgs(definition, 1, { user_id: 42 })).toEqual({ userId: "42", locale: "en", channel: "email" });
  });

  it("upgrades a v2 payload by the last step only", () => {
    expect(upgradeArgs(definition, 2, { userId: "7", locale: "fr" })).toEqual({ userId: "7", locale: "fr", channel: "email" });
  });

  it("leaves a current payload alone", () => {
    const args = { userId: "1", locale: "de", channel: "sms" };
    expect(upgradeArgs(definition, 3, args)).toBe(args);
  });

  it("refuses a payload newer than the job knows", () => {
    expect(() => upgradeArgs(definition, 4, {})).toThrow(PayloadVersionError);
    expect(() => upgradeArgs(definition, 4, {})).toThrow(/version 4 but this worker knows only up to version 3/);
  });

  it("wraps an upgrade step that throws, naming the step", () => {
    class Broken extends Job<unknown> {
      static override version = 2;
      static override upgrades = { 1: () => { throw new Error("bad data"); } };
      async perform() {}
    }
    const broken = new JobRegistry([Broken]).lookup("Broken");
    expect(() => upgradeArgs(broken, 1, {})).toThrow(/Broken upgrades\[1\] \(version 1 → 2\) threw: bad data/);
  });
});

describe("registration checks configuration once, up front", () => {
  it("refuses an async upgrade step at registration, and a step that returns a Promise when it runs (perform got a Promise for args)", () => {
    class Awaiting extends Job<unknown> {
      static override version = 2;
      static override upgrades = { 1: async (old: unknown) => old };
      async perform() {}
    }
    const error = configurationError(() => new JobRegistry([Awaiting]));
    expect(error.field).toBe("Awaiting.upgrades");
    expect(error.message).toMatch(/upgrades\[1\] is an async function: a step must return the new args itself/);
    class Thenable extends Job<unknown> {
      static override version = 2;
      static override upgrades = { 1: (old: unknown) => Promise.resolve(old) };
      async perform() {}
    }
    const definition = new JobRegistry([Thenable]).definitionOf(Thenable);
    expect(() => upgradeArgs(definition, 1, {})).toThrow(/Thenable upgrades\[1\] \(version 1 → 2\) returned a Promise/);
  });

  it("refuses a missing upgrade step", () => {
    class Gap extends Job<unknown> {
      static override version = 3;
      static override upgrades = { 1: (old: unknown) => old };
      async perform() {}
    }
    const error = configurationError(() => new JobRegistry([Gap]));
    expect(error.field).toBe("Gap.upgrades");
    expect(error.message).toMatch(/upgrades\[2\] \(version 2 → 3\) is missing/);
  });

  it("refuses an upgrade key that does not fit the version", () => {
    class Extra extends Job<unknown> {
      static override upgrades = { 1: (old: unknown) => old };
      async perform() {}
    }
    expect(configurationError(() => new JobRegistry([Extra])).message).toMatch(/upgrades\[1\] does not fit version 1/);
  });

  it.each([
    ["a version below 1", { version: 0 }, "Bad.version", /integer ≥ 1/],
    ["a queue name with SQL metacharacters", { queue: "jobs'; drop table x;--" }, "Bad.queue", /not a valid queue name/],
    ["a queue name with spaces", { queue: "my queue" }, "Bad.queue", /not a valid queue name/],
    ["a fractional priority", { priority: 1.5 }, "Bad.priority", /integer from -1000 to 1000/],
    ["zero retry attempts", { retry: { attempts: 0 } }, "Bad.retry.attempts", /integer ≥ 1/],
    ["a jitter above 1", { retry: { jitter: 2 } }, "Bad.retry.jitter", /fraction between 0 and 1/],
    ["a schema that is not Standard Schema", { schema: { parse() {} } }, "Bad.schema", /Standard Schema/],
  ])("refuses %s", (_label, statics, field, message) => {
    class Bad extends Job<unknown> {
      async perform() {}
    }
    Object.assign(Bad, statics);
    const error = configurationError(() => new JobRegistry([Bad]));
    expect(error.field).toBe(field);
    expect(error.message).toMatch(message);
  });

  it("refuses two classes with one name", () => {
    class A extends Job<unknown> {
      static override jobName = "Same";
      async perform() {}
    }
    class B extends Job<unknown> {
      static override jobName = "Same";
      async perform() {}
    }
    expect(configurationError(() => new JobRegistry([A, B])).message).toMatch(/two job classes are named "Same"/);
  });

  it("refuses something that is not a job class", () => {
    expect(configurationError(() => new JobRegistry([{} as never])).message).toMatch(/not a job class/);
  });

  it("names the known jobs when a name is unknown", () => {
    const error = (() => {
      try {
        new JobRegistry([Welcome]).lookup("Nope");
      } catch (caught) {
        return caught;
      }
    })();
    expect(UnknownJobError.isInstance(error)).toBe(true);
    expect((error as Error).message).toMatch(/no job named "Nope".*known: Welcome/);
  });
});

describe("schema validation (Standard Schema)", () => {
  class Typed extends Job<{ email: string; count: number }> {
    static override schema = z.object({ email: z.email(), count: z.number().int().min(1) });
    async perform() {}
  }
  const definition = new JobRegistry([Typed]).lookup("Typed");

  it("passes valid args through", async () => {
    await expect(validateArgs(definition, { email: "a@b.co", count: 2 })).resolves.toEqual({ email: "a@b.co", count: 2 });
  });

  it("reports each issue with its path", async () => {
    const error = await validateArgs(definition, { email: "nope", count: 0 }).catch((caught: unknown) => caught);
    expect(JobValidationError.isInstance(error)).toBe(true);
    expect((error as JobValidationError).issues.map((issue) => issue.path)).toEqual(["email", "count"]);
    expect((error as Error).message).toMatch(/^invalid arguments for Typed: email: .+; count: .+/);
  });
});
