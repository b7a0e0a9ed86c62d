import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createConsoleLogger, createHopper, type Hopper } from "@hopper/core";
import { jobs, SendWelcomeEmail } from "./jobs.js";
import { createAppServer } from "./server.js";

let hopper: Hopper;
let baseUrl: string;
const server = createAppServer();

beforeAll(async () => {
  hopper = createHopper({ url: "memory://example-test", jobs, logger: createConsoleLogger("silent") });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.close();
  await hopper.close();
});

it("answers 202 with a job id, and a worker sends the email", async () => {
  const response = await fetch(`${baseUrl}/signups`, { method: "POST", body: JSON.stringify({ userId: "42", locale: "fr" }) });
  expect(response.status).toBe(202);
  const { jobId } = (await response.json()) as { jobId: string };
  expect(jobId).toMatch(/^[0-9a-f-]{36}$/);

  const worker = hopper.worker({ queues: ["mailers"], pollWait: 50, handleSignals: false });
  const running = worker.run();
  while (SendWelcomeEmail.sent.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
  await worker.stop();
  await running;
  expect(SendWelcomeEmail.sent).toEqual([{ userId: "42", locale: "fr", attempt: 1 }]);
});

it("answers 400 naming the expected body for bad input, and enqueues nothing", async () => {
  for (const body of ["{not json", JSON.stringify({ userId: 42 }), JSON.stringify([1]), "x".repeat(20_000)]) {
    const response = await fetch(`${baseUrl}/signups`, { method: "POST", body });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: 'send {"userId": string, "locale"?: string}' });
  }
  expect(await (await hopper.backend).stats!("mailers")).toEqual({ ready: 0, delayed: 0, inFlight: 0 });
});
