// A misspelt option is refused at once, naming it and the options there are, rather than its default used in silence.
import { expect, it } from "vitest";
import { createSqsBackend } from "./sqs-backend.js";
import { createSqsLambdaHandler } from "./sqs-lambda-handler.js";
import { createSqsdHandler, createSqsdNodeHandler } from "./sqs-sqsd-handler.js";

it("the backend, the Lambda handler and the sqsd handlers refuse options they do not have", () => {
  const hopper = { runMessage: async () => {}, enqueue: async () => [], enqueueRecurring: async () => {} } as never;
  expect(() => createSqsBackend({ region: "us-east-1", queuePrefx: "app-" } as never)).toThrow(/^queuePrefx: "queuePrefx" is not an option of createSqsBackend\(\): use one of client, region, endpoint, queuePrefix, /);
  expect(() => createSqsLambdaHandler({ hopper, queue: "q", reportBatchItemFailures: true, queuePrefx: "a" } as never)).toThrow(/^queuePrefx: .*createSqsLambdaHandler\(\)/);
  expect(() => createSqsdHandler({ hopper, queue: "q", localAdresses: ["10.0.0.1"] } as never)).toThrow(/^localAdresses: "localAdresses" is not an option of createSqsdHandler\(\)/);
  expect(() => createSqsdNodeHandler({ hopper, queue: "q", localAdresses: ["10.0.0.1"] } as never)).toThrow(/createSqsdNodeHandler\(\)/);
});
