import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from "vitest";
import { createConsoleLogger } from "@hopper/core";
import { createTestHopper, expectEnqueued, expectNotEnqueued, type TestHopper } from "@hopper/core/testing";
import { jobs, SendWelcomeEmail } from "./jobs.js";
import { createAppServer } from "./server.js";

// No server, no worker: the test Hopper records what the app enqueues and runs it on demand.
let hopper: TestHopper | undefined;
let baseUrl: string;
// The server reads records through whichever test Hopper is current.
const server = createAppServer({
  get: (id) => hopper!.jobs.get(id),
  wait: (id, options) => hopper!.jobs.wait(id, options),
  cancel: (id) => hopper!.jobs.cancel(id),
  list: (query) => hopper!.jobs.list(query),
});

beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  server.close();
});
beforeEach(() => {
  hopper = createTestHopper({ jobs, logger: createConsoleLogger("silent"), records: {} });
  SendWelcomeEmail.sent.length = 0;
});
afterEach(async () => {
  await hopper!.close();
});

const signUp = (body: string) => fetch(`${baseUrl}/signups`, { method: "POST", body });

it("answers 202 with the id of the welcome email it enqueued, and the job sends it", async () => {
  const response = await signUp(JSON.stringify({ userId: "42", locale: "fr" }));
  expect(response.status).toBe(202);
  const { jobId } = (await response.json()) as { jobId: string };

  const [enqueued] = expectEnqueued(SendWelcomeEmail, { userId: "42", locale: "fr", signedUpAt: expect.any(Date) }, { queue: "mailers", count: 1 });
  expect(enqueued!.id).toBe(jobId);
  expect(SendWelcomeEmail.sent).toEqual([]);

  const { performed } = await hopper!.performEnqueued();
  expect(performed.map((job) => job.id)).toEqual([jobId]);
  expect(SendWelcomeEmail.sent).toEqual([{ userId: "42", locale: "fr", attempt: 1 }]);
});

it("follows the 202 pattern: Location to the job, its record while pending, then 303 to the welcomed user", async () => {
  const response = await signUp(JSON.stringify({ userId: "42", locale: "fr" }));
  expect(response.status).toBe(202);
  const location = response.headers.get("location")!;
  const { jobId } = (await response.json()) as { jobId: string };
  expect(location).toBe(`/jobs/${jobId}`);

  const pending = await fetch(`${baseUrl}${location}`, { redirect: "manual" });
  expect(pending.status).toBe(200);
  expect(await pending.json()).toMatchObject({ id: jobId, job: "SendWelcomeEmail", state: "waiting" });

  await hopper!.performEnqueued();
  const done = await fetch(`${baseUrl}${location}`, { redirect: "manual" });
  expect(done.status).toBe(303);
  expect(done.headers.get("location")).toBe("/users/42");
  expect(await done.json()).toMatchObject({ state: "succeeded", result: { userId: "42", locale: "fr" } });
  expect((await fetch(`${baseUrl}/jobs/not-a-job`)).status).toBe(404);
});

it("defaults the locale to en", async () => {
  expect((await signUp(JSON.stringify({ userId: "7" }))).status).toBe(202);
  expectEnqueued(SendWelcomeEmail, (args: { userId: string; locale: string }) => args.userId === "7" && args.locale === "en");
});

it("answers 400 naming the expected body for bad input, and enqueues nothing", async () => {
  for (const body of ["{not json", JSON.stringify({ userId: 42 }), JSON.stringify([1]), "x".repeat(20_000)]) {
    const response = await signUp(body);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'send {"userId": string, "locale"?: string}' });
  }
  expectNotEnqueued(SendWelcomeEmail);
});

it("a version 1 payload still queued from the last deploy is upgraded and sent", async () => {
  // What the previous release enqueued: the job at version 1, its old args.
  const body = JSON.stringify({ hopper: 1, id: "00000000-0000-4000-8000-000000000001", job: "SendWelcomeEmail", version: 1, args: { user_id: 9, signedUpAt: "2026-01-01T00:00:00.000Z" }, argsMeta: { values: { signedUpAt: ["Date"] } }, queue: "mailers", priority: 0, enqueuedAt: "2026-01-01T00:00:00.000Z", attempt: 1, meta: {} });
  expect(await hopper!.runMessage({ queue: "mailers", body, id: "legacy", deliveryAttempt: 1 })).toEqual({ status: "done" });
  expect(SendWelcomeEmail.sent).toEqual([{ userId: "9", locale: "en", attempt: 1 }]);
});
