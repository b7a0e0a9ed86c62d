import { randomUUID } from "node:crypto";
import { SendMessageCommand } from "@aws-sdk/client-sqs";
import { jobIdAttributeFor } from "./sqs-job-id.js";
import { earlierDeliveriesAttribute, sqsToken } from "./sqs-message-attributes.js";
import type { SqsReceiveContext } from "./sqs-receive.js";

/** How long the original stays hidden while its copy is sent (the copy is sent once this lease is confirmed). */
const handBackLeaseSeconds = 30;

/** What an uncounted hand-back needs of a received message. */
export interface HandedBackMessage {
  readonly queueUrl: string;
  readonly receiptHandle: string;
  readonly body: string;
  /** Its FIFO message group, if any. */
  readonly group: string | undefined;
  readonly jobId: string;
  readonly deliveryAttempt: number | undefined;
}

/**
 * An uncounted hand-back (`nack({ countAttempt: false })`, a job that never started). SQS counts every
 * receive and cannot take one back, so a copy of the message goes to the queue carrying the deliveries
 * before this one (`HopperEarlierDeliveries`), then the original is deleted: a crash in between leaves a
 * duplicate, never a loss (at-least-once). The copy is sent only once the original's lease is confirmed
 * ours (a visibility change that fails for a lost lease), so a message already leased elsewhere is neither
 * doubled nor resurrected. A FIFO message in a group it shares with other messages (an ordering key) goes
 * back counted instead (visibility 0): its copy would queue behind the rest of its group. So does one whose
 * copy SQS refuses (an attempt too many beats a lost job).
 */
export async function handBackUncounted(context: SqsReceiveContext, message: HandedBackMessage, changeVisibility: (ms: number) => Promise<boolean>): Promise<void> {
  const { queueUrl, body, group, jobId, deliveryAttempt } = message;
  if (deliveryAttempt === undefined || (group !== undefined && group !== sqsToken(jobId))) {
    await changeVisibility(0);
    return;
  }
  if (!(await changeVisibility(handBackLeaseSeconds * 1000))) return;
  try {
    await context.client.send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: body,
        MessageAttributes: {
          // The job id as the original carried it: in the envelope, else (a body that is no envelope) as the attribute.
          ...jobIdAttributeFor(body, jobId),
          [earlierDeliveriesAttribute]: { DataType: "Number", StringValue: String(deliveryAttempt - 1) },
        },
        // A fresh deduplication id: the original's still holds SQS's 5-minute window.
        ...(group !== undefined && { MessageGroupId: group, MessageDeduplicationId: randomUUID() }),
      }),
    );
  } catch (error) {
    await changeVisibility(0);
    throw error;
  }
  await context.deletes.delete(queueUrl, message.receiptHandle);
}
