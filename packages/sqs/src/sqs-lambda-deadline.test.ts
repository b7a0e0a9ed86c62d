import { describe, expect, it } from "vitest";
import type { PushedMessage, PushOutcome } from "@hopper/core";
import { createSqsLambdaHandler, type SqsEventRecord } from "./sqs-lambda-handler.js";

// Found by the push-path review of 2026-12-07 (the next stop): the Lambda handler took no context, so one record
// outliving the function's timeout timed the invocation out, and Lambda redelivered the whole batch, records that
// had succeeded included, on every retry. A unit over the handler's own logic (no I/O): `runMessage` is a stand-in.

const arn = "arn:aws:sqs:us-east-1:000000000000:app-mailers";
const record = (messageId: string): SqsEventRecord => ({ messageId, body: "{}", eventSourceARN: arn, attributes: { ApproximateReceiveCount: "1" } });

describe("the Lambda handler near the function's timeout", () => {
  it("aborts the runs still going, returns before the timeout, and reports only the unfinished records failed", async () => {
    const signals: (AbortSignal | undefined)[] = [];
    const runMessage = async (message: PushedMessage): Promise<PushOutcome> => {
      signals.push(message.signal);
      if (message.id === "quick") return { status: "done" };
      if (message.id === "cooperative") {
        // A run that stops at its abort: nothing sent, unsettled.
        await new Promise((resolve) => message.signal!.addEventListener("abort", resolve));
        return { status: "unsettled" };
      }
      return new Promise(() => {}); // ignores its abort
    };
    const handler = createSqsLambdaHandler({ hopper: { runMessage }, queue: "mailers", queuePrefix: "app-", reportBatchItemFailures: true, logger: { debug() {}, info() {}, warn() {}, error() {} } });
    const started = Date.now();
    // The "hung" run never settles: the answer coming at all shows the handler did not wait for it.
    const answer = await handler({ Records: [record("quick"), record("cooperative"), record("hung")] }, { getRemainingTimeInMillis: () => 1500 - (Date.now() - started) });
    expect(answer).toEqual({ batchItemFailures: [{ itemIdentifier: "cooperative" }, { itemIdentifier: "hung" }] });
    expect(signals.every((signal) => signal?.aborted)).toBe(true);
  });

  it("without a context (called outside Lambda), waits for every run as before", async () => {
    const handler = createSqsLambdaHandler({ hopper: { runMessage: async () => ({ status: "done" }) }, queue: "mailers", queuePrefix: "app-", reportBatchItemFailures: true });
    expect(await handler({ Records: [record("a"), record("b")] })).toEqual({ batchItemFailures: [] });
  });
});
