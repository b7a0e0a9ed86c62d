// Test-only: the SQS emulator (fauxqs) from the services tool. requireService skips
// loudly locally and fails under CI=true when it is missing.
import { randomBytes } from "node:crypto";
import { SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll } from "vitest";
import type { Backend } from "@hopper/core/backend";
import { requireService } from "@hopper/services";
import { createSqsBackend, type SqsBackendOptions } from "./sqs-backend.js";

export function emulatorEndpoint(): string | undefined {
  return requireService("sqs")?.HOPPER_TEST_SQS_ENDPOINT;
}

export const sqsEndpoint = emulatorEndpoint();

/** A raw SDK client on the emulator, for tests that play SQS's other side (sqsd, Lambda). */
export function createTestClient(endpoint: string): SQSClient {
  return new SQSClient({ endpoint, region: process.env.AWS_REGION ?? "us-east-1", credentials: { accessKeyId: "test", secretAccessKey: "test" } });
}

/** One prefix per test process: backends of one run share queues (as processes would), other runs do not. */
export const testQueuePrefix = `t${randomBytes(3).toString("hex")}-`;

/** A backend on the emulator, creating its queues. */
export function createTestBackend(endpoint: string, options: Omit<SqsBackendOptions, "endpoint" | "client"> = {}) {
  return createSqsBackend({ client: createTestClient(endpoint), queuePrefix: testQueuePrefix, createQueues: true, ...options });
}

/** For one describe block: a raw client and a backend on the emulator, made before its tests and closed after them. */
export function emulatorSides(endpoint: string): { readonly client: SQSClient; readonly backend: Backend } {
  const sides = {} as { client: SQSClient; backend: Backend };
  beforeAll(() => {
    sides.client = createTestClient(endpoint);
    sides.backend = createTestBackend(endpoint);
  });
  afterAll(async () => {
    await sides.backend.close();
    sides.client.destroy();
  });
  return sides;
}
