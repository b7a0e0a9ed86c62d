import { describe, expect, it } from "vitest";
import { parseBenchOptions } from "./bench-options.js";
import { loadProfiles } from "./bench-plan.js";
import { setUpServers } from "./services-setup.js";

const profiles = loadProfiles();

describe("setUpServers without local services", () => {
  it("uses HOPPER_TEST_* variables, skips what has none with the reason, and replaces Postgres by PGlite", async () => {
    const options = parseBenchOptions(["--no-services"], profiles);
    const setup = await setUpServers(options, { HOPPER_TEST_REDIS_URL: "redis://127.0.0.1:1", HOPPER_TEST_SQS_ENDPOINT: "http://127.0.0.1:2", AWS_REGION: "eu-west-1" });
    expect(setup.servers.redis).toBe("redis://127.0.0.1:1");
    expect(setup.servers.sqs).toBe("sqs://eu-west-1/bench-?endpoint=http%3A%2F%2F127.0.0.1%3A2&createQueues=true");
    expect(setup.backends).toEqual(["memory", "redis", "pglite", "sqs"]);
    expect(setup.skipped.map((skip) => skip.what)).toEqual(["postgres", "pubsub"]);
    expect(setup.skipped[0]!.reason).toMatch(/--no-services.*PGlite/);
    expect(setup.skipped[1]!.reason).toMatch(/--pubsub-url/);
    await setup.stop();
  });

  it("prefers URLs given by flag over variables", async () => {
    const options = parseBenchOptions(["--no-services", "-b", "postgres,pubsub", "--postgres-url", "postgres://db/x", "--pubsub-url", "pubsub://real-project"], profiles);
    const setup = await setUpServers(options, { HOPPER_TEST_POSTGRES_URL: "postgres://other/y" });
    expect(setup.servers.postgres).toBe("postgres://db/x");
    expect(setup.servers.pubsub).toBe("pubsub://real-project");
    expect(setup.backends).toEqual(["postgres", "pubsub"]);
    expect(setup.skipped).toEqual([]);
  });

  it("says PGlite is left out of a default run when PostgreSQL is there", async () => {
    const options = parseBenchOptions(["--no-services"], profiles);
    const setup = await setUpServers(options, { HOPPER_TEST_POSTGRES_URL: "postgres://db/x" });
    expect(setup.backends).toEqual(["memory", "postgres"]);
    expect(setup.skipped.find((skip) => skip.what === "pglite")?.reason).toContain("-b pglite");
  });
});
