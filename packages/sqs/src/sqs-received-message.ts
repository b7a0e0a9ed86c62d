import { ChangeMessageVisibilityCommand, type Message } from "@aws-sdk/client-sqs";
import type { NackOptions, ReceivedMessage } from "@hopper/core/backend";
import { handBackUncounted } from "./sqs-hand-back.js";
import { jobIdOf } from "./sqs-job-id.js";
import { deliveryAttemptOf, earlierDeliveriesAttribute, jobIdAttribute } from "./sqs-message-attributes.js";
import { visibilitySeconds, type SqsReceiveContext } from "./sqs-receive.js";

/**
 * One received SQS message as the backend contract hands it out. It keeps only what its lease needs (queue URL,
 * receipt handle, FIFO group) and its methods live on the prototype: a held job keeps one small object, not the
 * SDK's reply object (ids, MD5s, attribute maps) and four closures. The body goes once the job starts
 * (`releaseBody`): an uncounted hand-back, the one call that re-sends it, only ever comes before.
 */
export class SqsReceivedMessage implements ReceivedMessage {
  readonly id: string;
  /** Own, so a wrapper spreading the message keeps it; "" once released. */
  body: string;
  readonly deliveryAttempt: number | undefined;
  readonly #context: SqsReceiveContext;
  readonly #queueUrl: string;
  readonly #receiptHandle: string;
  /** The FIFO message group, which an uncounted hand-back's copy must join. */
  readonly #group: string | undefined;

  constructor(context: SqsReceiveContext, queueUrl: string, message: Message) {
    this.id = jobIdOf(message.MessageAttributes?.[jobIdAttribute]?.StringValue, message.Body, message.MessageId!);
    this.body = message.Body ?? "";
    this.deliveryAttempt = deliveryAttemptOf(message.Attributes?.ApproximateReceiveCount, message.MessageAttributes?.[earlierDeliveriesAttribute]?.StringValue);
    this.#context = context;
    this.#queueUrl = queueUrl;
    this.#receiptHandle = message.ReceiptHandle!;
    this.#group = message.Attributes?.MessageGroupId;
  }

  /** The lease needs only the receipt handle: a started job's message drops its body (ReceivedMessage.releaseBody). */
  releaseBody(): void {
    this.body = "";
  }

  ack(): Promise<void> {
    return this.#context.deletes.delete(this.#queueUrl, this.#receiptHandle);
  }

  async nack(options?: NackOptions): Promise<void> {
    // A released body cannot be copied: such a message goes back counted (the core never hands a started job back uncounted).
    if (options?.countAttempt === false && !options.retryAfterMs && this.body !== "") {
      await handBackUncounted(this.#context, { queueUrl: this.#queueUrl, receiptHandle: this.#receiptHandle, body: this.body, group: this.#group, jobId: this.id, deliveryAttempt: this.deliveryAttempt }, (ms) => this.changeVisibility(ms));
    } else {
      await this.changeVisibility(options?.retryAfterMs ?? 0);
    }
  }

  extendLease(leaseMs: number): Promise<boolean> {
    return this.changeVisibility(leaseMs);
  }

  /** False when the lease was already lost (acked elsewhere, or expired and re-received): nothing changed. */
  private async changeVisibility(ms: number): Promise<boolean> {
    try {
      await this.#context.client.send(new ChangeMessageVisibilityCommand({ QueueUrl: this.#queueUrl, ReceiptHandle: this.#receiptHandle, VisibilityTimeout: visibilitySeconds(ms) }));
      return true;
    } catch (error) {
      if (isLostLease(error)) return false;
      throw error;
    }
  }
}

function isLostLease(error: unknown): boolean {
  const name = (error as Error | undefined)?.name;
  return name === "MessageNotInflight" || name === "ReceiptHandleIsInvalid" || name === "AWS.SimpleQueueService.MessageNotInflight";
}
