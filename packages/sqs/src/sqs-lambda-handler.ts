import { ConfigurationError, loggerOption, type Hopper, type Logger, type PushOutcome } from "@hopper/core";
import { jobIdOf } from "./sqs-job-id.js";
import { deliveryAttemptOf, earlierDeliveriesAttribute, jobIdAttribute } from "./sqs-message-attributes.js";
import { optionKeysOf, rejectUnknownOptions } from "@hopper/core/backend";

/** The parts of an AWS Lambda SQS event record the handler reads. */
export interface SqsEventRecord {
  readonly messageId: string;
  readonly receiptHandle?: string;
  readonly body: string;
  readonly attributes?: { readonly ApproximateReceiveCount?: string; readonly MessageGroupId?: string };
  readonly messageAttributes?: Readonly<Record<string, { readonly stringValue?: string; readonly dataType?: string }>>;
  readonly eventSourceARN?: string;
}

export interface SqsEvent {
  readonly Records: readonly SqsEventRecord[];
}

/** The part of Lambda's invocation context the handler reads: how long until the function times out. */
export interface LambdaContext {
  getRemainingTimeInMillis?(): number;
}

/** Partial batch response: requires ReportBatchItemFailures on the event source mapping. */
export interface SqsBatchResponse {
  batchItemFailures: { itemIdentifier: string }[];
}

export interface SqsLambdaHandlerOptions {
  readonly hopper: Pick<Hopper, "runMessage">;
  /** The Hopper queue whose SQS queue feeds this function. Required: a record never chooses it. */
  readonly queue: string;
  /** As given to createSqsBackend. A record must come from SQS queue `<queuePrefix><queue>` (or its ".fifo"). Default "". */
  readonly queuePrefix?: string;
  /** Where records from another queue are reported; default stderr. */
  readonly logger?: Logger;
  /**
   * Must be `true`, declaring that the event source mapping has `ReportBatchItemFailures`
   * in its FunctionResponseTypes. Without that setting Lambda ignores `batchItemFailures`
   * and deletes the whole batch when the function returns, failed jobs included.
   */
  readonly reportBatchItemFailures: true;
}

const optionKeys = optionKeysOf<SqsLambdaHandlerOptions>({ hopper: true, queue: true, queuePrefix: true, logger: true, reportBatchItemFailures: true });

/**
 * AWS Lambda with an SQS event source: runs each record as a job and reports
 * the ones to redeliver in `batchItemFailures`. Records of a standard queue run
 * concurrently; on a FIFO queue they run in order and, after the first
 * failure, the rest of the batch is reported failed too so order is kept.
 */
export function createSqsLambdaHandler(options: SqsLambdaHandlerOptions): (event: SqsEvent, context?: LambdaContext) => Promise<SqsBatchResponse> {
  if (typeof options === "object" && options !== null) rejectUnknownOptions(options, optionKeys, "createSqsLambdaHandler()");
  if (typeof options?.hopper?.runMessage !== "function") throw new ConfigurationError({ field: "hopper", message: "give the Hopper instance that runs the jobs: createSqsLambdaHandler({ hopper, queue, reportBatchItemFailures: true })" });
  if (typeof options.queue !== "string" || options.queue.length === 0) throw new ConfigurationError({ field: "queue", message: 'give the Hopper queue whose SQS queue feeds this function, e.g. createSqsLambdaHandler({ hopper, queue: "mailers", queuePrefix: "myapp-" })' });
  if (options.reportBatchItemFailures !== true) {
    throw new ConfigurationError({
      field: "reportBatchItemFailures",
      message:
        'give reportBatchItemFailures: true once the event source mapping reports batch item failures (aws lambda update-event-source-mapping --function-response-types ReportBatchItemFailures): without ReportBatchItemFailures Lambda deletes the whole batch, failed and held jobs included',
    });
  }
  const queuePrefix = options.queuePrefix ?? "";
  if (typeof queuePrefix !== "string") throw new ConfigurationError({ field: "queuePrefix", message: `must be a string, got ${JSON.stringify(options.queuePrefix)}` });
  const queueName = `${queuePrefix}${options.queue}`;
  const logger = loggerOption(options.logger);

  const run = async (record: SqsEventRecord, signal: AbortSignal | undefined): Promise<PushOutcome> => {
    // Another event source mapped to this function is a wiring mistake: reported failed, so the record stays in its own queue (and its redrive policy).
    if (!fromQueue(record.eventSourceARN, queueName)) {
      logger.error("SQS record from another queue not run: map only this handler's queue to the function, or create a handler per queue", { expected: queueName, eventSourceARN: String(record.eventSourceARN).slice(0, 300) });
      return { status: "unsettled" };
    }
    return options.hopper.runMessage({
      queue: options.queue,
      body: record.body,
      id: jobIdOf(record.messageAttributes?.[jobIdAttribute]?.stringValue, record.body, record.messageId),
      deliveryAttempt: deliveryAttemptOf(record.attributes?.ApproximateReceiveCount, record.messageAttributes?.[earlierDeliveriesAttribute]?.stringValue),
      ...(signal && { signal }),
    });
  };

  return async (event, context) => {
    const records = event?.Records ?? [];
    // Each record's outcome once known; one still unknown at the return is reported failed (Lambda redelivers it).
    const outcomes: (PushOutcome | undefined)[] = records.map(() => undefined);
    const deadline = functionDeadline(context);
    const fifo = records.some((record) => record.eventSourceARN?.endsWith(".fifo"));
    try {
      if (fifo) {
        const inOrder = async () => {
          for (const [index, record] of records.entries()) {
            outcomes[index] = await run(record, deadline?.signal);
            if (outcomes[index]!.status !== "done") break;
          }
        };
        await Promise.race([inOrder(), deadline?.stop ?? new Promise<never>(() => {})]);
      } else {
        const all = Promise.all(records.map(async (record, index) => (outcomes[index] = await run(record, deadline?.signal))));
        await Promise.race([all, deadline?.stop ?? new Promise<never>(() => {})]);
      }
    } finally {
      deadline?.clear();
    }
    // On a FIFO queue, every record after the first that did not end done is failed too, so order is kept.
    const firstUndone = outcomes.findIndex((outcome) => outcome?.status !== "done");
    const failed = records.filter((_, index) => (fifo ? firstUndone >= 0 && index >= firstUndone : outcomes[index]?.status !== "done"));
    return { batchItemFailures: failed.map((record) => ({ itemIdentifier: record.messageId })) };
  };
}

/**
 * Ends the invocation before Lambda times it out. A timed-out invocation fails the whole batch, so records that had
 * succeeded ran again on every retry. Near the function's timeout the runs still going are aborted (`ctx.signal`; a
 * pushed run aborted sends nothing more), and a little later the handler returns whatever is unfinished as failed.
 * Undefined without a context that tells the time left (a call outside Lambda).
 */
function functionDeadline(context: LambdaContext | undefined): { signal: AbortSignal; stop: Promise<void>; clear(): void } | undefined {
  const remainingMs = typeof context?.getRemainingTimeInMillis === "function" ? context.getRemainingTimeInMillis() : undefined;
  if (remainingMs === undefined || !Number.isFinite(remainingMs)) return undefined;
  // A tenth of the time left, between 0.5 s and 5 s: room for aborted runs to settle and for the answer to go out.
  const marginMs = Math.min(5_000, Math.max(500, remainingMs / 10));
  const aborting = new AbortController();
  let stopTimer: NodeJS.Timeout | undefined;
  const abortTimer = setTimeout(() => aborting.abort(new Error("the Lambda function's timeout is near: this run is reported failed and redelivered")), Math.max(0, remainingMs - marginMs));
  const stop = new Promise<void>((resolve) => {
    stopTimer = setTimeout(resolve, Math.max(0, remainingMs - marginMs / 4));
  });
  return {
    signal: aborting.signal,
    stop,
    clear() {
      clearTimeout(abortTimer);
      clearTimeout(stopTimer);
    },
  };
}

/** `arn:aws:sqs:REGION:ACCOUNT:NAME` names `queueName` or `queueName.fifo`. */
function fromQueue(arn: string | undefined, queueName: string): boolean {
  if (typeof arn !== "string" || !arn.startsWith("arn:")) return false;
  const name = arn.slice(arn.lastIndexOf(":") + 1);
  return name === queueName || name === `${queueName}.fifo`;
}
