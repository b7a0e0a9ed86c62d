// Test-only: the SQS emulator (fauxqs) from `pnpm services up sqs`, read from the
// variables it exports. Mirrors @hopper/services' requireService (not a dependency
// of this package): locally a missing emulator skips loudly; under CI=true it fails.
import { randomBytes } from "node:crypto";
import { SQSClient } from "@aws-sdk/client-sqs";
import { createSqsBackend, type SqsBackendOptions } from "./sqs-backend.js";

export function emulatorEndpoint(): string | undefined {
  const endpoint = process.env.HOPPER_TEST_SQS_ENDPOINT;
  if (endpoint) return endpoint;
  const message = "[hopper] sqs tests skipped: HOPPER_TEST_SQS_ENDPOINT not set. Start it with `pnpm services up sqs` and `eval \"$(pnpm -s services env)\"`.";
  if (process.env.CI === "true") throw new Error(message.replace("tests skipped", "emulator required under CI=true"));
  console.warn(message);
  return undefined;
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
