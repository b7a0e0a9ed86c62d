import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { createConsoleLogger, createHopper, createMemoryCoordinationStore, Job, type Hopper } from "@hopper/core";
import { createSqsdHandler } from "./sqs-sqsd-handler.js";
import { createTestBackend, sqsEndpoint } from "./test-sqs-service.js";

describe.skipIf(!sqsEndpoint)("sqsd periodic tasks on the SQS emulator", () => {
  const opened: Hopper[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((hopper) => hopper.close()));
  });

  it("enqueues a task that names a recurring job once per X-Aws-Sqsd-Scheduled-At, however often sqsd posts that tick", { timeout: 60_000 }, async () => {
    const queue = `sqsdtick${randomUUID().slice(0, 8)}`;
    class NightlyReport extends Job<Record<string, never>> {
      static override queue = queue;
      async perform() {}
    }
    // One store for the test; in production a Redis or PostgreSQL store every instance shares.
    const hopper = createHopper({ backend: createTestBackend(sqsEndpoint!), jobs: [NightlyReport], coordination: createMemoryCoordinationStore(), logger: createConsoleLogger("silent") });
    opened.push(hopper);
    const enqueued: string[] = [];
    hopper.use({
      async enqueue(context, next) {
        const ids = await next();
        enqueued.push(...ids);
        return ids;
      },
    });
    hopper.schedule("nightly-report", "0 3 * * *", NightlyReport, {});
    const urlToken = randomUUID().replaceAll("-", "");
    const handler = createSqsdHandler({ hopper, queue, urlToken, periodicTasks: { "nightly-report": { schedule: "nightly-report" } } });
    const post = (scheduledAt: string) =>
      handler(new Request(`http://127.0.0.1/sqsd/${urlToken}`, { method: "POST", headers: { "x-aws-sqsd-taskname": "nightly-report", "x-aws-sqsd-scheduled-at": scheduledAt, "x-aws-sqsd-msgid": randomUUID() }, body: "elasticbeanstalk scheduled job" }));
    const tonight = "2030-01-01T03:00:00Z";
    // sqsd redelivers a tick whose first answer it did not see.
    expect((await post(tonight)).status).toBe(200);
    expect((await post(tonight)).status).toBe(200);
    expect(enqueued).toHaveLength(1);
    expect((await post("2030-01-02T03:00:00Z")).status).toBe(200);
    expect(enqueued).toHaveLength(2);
    // A malformed tick time is the platform's bug, not a job to run.
    expect((await post("yesterday")).status).toBe(400);
    expect(enqueued).toHaveLength(2);
  });
});
