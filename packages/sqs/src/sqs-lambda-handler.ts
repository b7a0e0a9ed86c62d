import { ConfigurationError, type Hopper, type PushOutcome } from "@hopper/core";
import { jobIdAttribute } from "./sqs-message-attributes.js";

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

/** Partial batch response: requires ReportBatchItemFailures on the event source mapping. */
export interface SqsBatchResponse {
  batchItemFailures: { itemIdentifier: string }[];
}

export interface SqsLambdaHandlerOptions {
  readonly hopper: Pick<Hopper, "runMessage">;
  /** The Hopper queue; default: the SQS queue name from eventSourceARN without `queuePrefix` and ".fifo". */
  readonly queue?: string;
  /** As given to createSqsBackend; used to find the queue from the ARN. Default "". */
  readonly queuePrefix?: string;
}

/**
 * AWS Lambda with an SQS event source: runs each record as a job and reports
 * the ones to redeliver in `batchItemFailures`. Records of a standard queue run
 * concurrently; on a FIFO queue they run in order and, after the first
 * failure, the rest of the batch is reported failed too so order is kept.
 */
export function createSqsLambdaHandler(options: SqsLambdaHandlerOptions): (event: SqsEvent) => Promise<SqsBatchResponse> {
  if (typeof options.hopper?.runMessage !== "function") throw new ConfigurationError({ field: "hopper", message: "give the Hopper instance that runs the jobs: createSqsLambdaHandler({ hopper })" });
  const queuePrefix = options.queuePrefix ?? "";

  const run = async (record: SqsEventRecord): Promise<PushOutcome> => {
    const queue = options.queue ?? queueOf(record.eventSourceARN, queuePrefix);
    if (!queue) throw new ConfigurationError({ field: "queue", message: `cannot tell the Hopper queue of ${record.eventSourceARN ?? "a record without eventSourceARN"}: set the handler's queue or queuePrefix` });
    const receiveCount = Number(record.attributes?.ApproximateReceiveCount);
    return options.hopper.runMessage({
      queue,
      body: record.body,
      id: record.messageAttributes?.[jobIdAttribute]?.stringValue ?? record.messageId,
      deliveryAttempt: Number.isSafeInteger(receiveCount) && receiveCount > 0 ? receiveCount : undefined,
    });
  };

  return async (event) => {
    const records = event?.Records ?? [];
    const failures: { itemIdentifier: string }[] = [];
    if (records.some((record) => record.eventSourceARN?.endsWith(".fifo"))) {
      for (const [index, record] of records.entries()) {
        if ((await run(record)).status !== "done") {
          failures.push(...records.slice(index).map((rest) => ({ itemIdentifier: rest.messageId })));
          break;
        }
      }
    } else {
      const outcomes = await Promise.all(records.map(run));
      outcomes.forEach((outcome, index) => outcome.status === "done" || failures.push({ itemIdentifier: records[index]!.messageId }));
    }
    return { batchItemFailures: failures };
  };
}

function queueOf(arn: string | undefined, queuePrefix: string): string | undefined {
  const name = arn?.split(":").pop()?.replace(/\.fifo$/, "") ?? "";
  return name.startsWith(queuePrefix) && name.length > queuePrefix.length ? name.slice(queuePrefix.length) : undefined;
}
