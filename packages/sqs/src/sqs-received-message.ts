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
  /** When the receive that leased it was sent (Date.now()): SQS keeps a message invisible at most 12 h past its receive. */
  readonly #askedAt: number;

  /** Set for a FIFO message a group line held: when its visibility was last set (ReceivedMessage.leaseFrom). */
  readonly leaseFrom: number | undefined;

  constructor(context: SqsReceiveContext, queueUrl: string, message: Message, askedAt: number, leaseFrom?: number) {
    this.id = jobIdOf(message.MessageAttributes?.[jobIdAttribute]?.StringValue, message.Body, message.MessageId!);
    this.body = message.Body ?? "";
    this.deliveryAttempt = deliveryAttemptOf(message.Attributes?.ApproximateReceiveCount, message.MessageAttributes?.[earlierDeliveriesAttribute]?.StringValue);
    this.#context = context;
    this.#queueUrl = queueUrl;
    this.#receiptHandle = message.ReceiptHandle!;
    this.#group = message.Attributes?.MessageGroupId;
    this.#askedAt = askedAt;
    this.leaseFrom = leaseFrom;
  }

  /** The lease needs only the receipt handle: a started job's message drops its body (ReceivedMessage.releaseBody). */
  releaseBody(): void {
    this.body = "";
  }

  /** On FIFO, the next message of its group goes out once the delete landed; a failed one sends the group back to SQS. */
  ack(): Promise<void> {
    // Standard queues keep the plain delete: no extra promise per ack on the drain's hot path.
    if (!this.#context.fifoLines) return this.#context.deletes.delete(this.#queueUrl, this.#receiptHandle);
    return this.#ackInLine();
  }

  async #ackInLine(): Promise<void> {
    try {
      await this.#context.deletes.delete(this.#queueUrl, this.#receiptHandle);
    } catch (error) {
      this.#headReturned();
      throw error;
    }
    this.#context.fifoLines?.acked(this.#queueUrl, this.#group ?? "", this.#receiptHandle);
  }

  async nack(options?: NackOptions): Promise<void> {
    try {
      // A released body cannot be copied: such a message goes back counted (the core never hands a started job back uncounted).
      if (options?.countAttempt === false && !options.retryAfterMs && this.body !== "") {
        await handBackUncounted(this.#context, { queueUrl: this.#queueUrl, receiptHandle: this.#receiptHandle, body: this.body, group: this.#group, jobId: this.id, deliveryAttempt: this.deliveryAttempt }, (ms) => this.changeVisibility(ms));
      } else {
        await this.changeVisibility(options?.retryAfterMs ?? 0);
      }
    } finally {
      // Behind it on SQS, in order: what its FIFO group line held.
      this.#headReturned();
    }
  }

  #headReturned(): void {
    this.#context.fifoLines?.headReturned(this.#queueUrl, this.#group ?? "", this.#receiptHandle);
  }

  /**
   * Refused (thrown, so the worker gives the job up before the lease it holds ends) when the renewal would keep the
   * message invisible past SQS's ceiling, counted from the receive: SQS would refuse it too, with an error naming no job.
   */
  extendLease(leaseMs: number): Promise<boolean> {
    const ceilingMs = this.#context.visibilityCeilingMs;
    const sentAt = Date.now();
    // As SQS will count it: whole seconds, rounded up.
    if (sentAt + visibilitySeconds(leaseMs) * 1000 > this.#askedAt + ceilingMs) return Promise.reject(pastVisibilityCeiling(ceilingMs, this.#askedAt));
    return this.changeVisibility(leaseMs).then(
      (held) => {
        if (held) this.#context.fifoLines?.leased(this.#queueUrl, this.#group ?? "", this.#receiptHandle, sentAt + leaseMs);
        else this.#headReturned();
        return held;
      },
      (error: unknown) => {
        throw isPastVisibilityCeiling(error) ? pastVisibilityCeiling(ceilingMs, this.#askedAt, error) : error;
      },
    );
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

/** SQS's refusal of a visibility past 12 h from the receive: "Total VisibilityTimeout for the message is beyond the limit". */
function isPastVisibilityCeiling(error: unknown): boolean {
  return (error as Error | undefined)?.name === "InvalidParameterValue" && /total visibilitytimeout/i.test((error as Error).message);
}

function pastVisibilityCeiling(ceilingMs: number, askedAt: number, cause?: unknown): Error {
  return new Error(
    `SQS keeps a received message invisible at most ${spoken(ceilingMs)} past its receive, and this job has held its message for ${spoken(Date.now() - askedAt)}: ` +
      "its lease cannot be renewed, so the worker gives the job up before the lease ends and SQS delivers it again. Split work this long into shorter jobs " +
      "(or steps that save their progress) so each finishes within the ceiling",
    { cause },
  );
}

/** "12 h", "11.9 h", "25 min", "3 s". */
function spoken(ms: number): string {
  if (ms >= 3_600_000) return `${Number((ms / 3_600_000).toFixed(1))} h`;
  if (ms >= 60_000) return `${Math.round(ms / 60_000)} min`;
  return `${Math.round(ms / 1000)} s`;
}
