import { DeleteMessageBatchCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { maxBatchEntries as maxEntries } from "./sqs-message-attributes.js";

interface PendingDelete {
  readonly receiptHandle: string;
  resolve(): void;
  reject(error: Error): void;
}

/**
 * Acks as DeleteMessageBatch calls: deletes wait up to `flushMs` (or until
 * ten are pending for one queue) and go out together. Each `delete` resolves
 * once SQS confirmed its entry, so an ack still means "removed for good".
 */
export class SqsDeleteBatcher {
  private readonly pending = new Map<string, PendingDelete[]>();
  private readonly inFlight = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly client: SQSClient,
    private readonly flushMs: number,
  ) {}

  delete(queueUrl: string, receiptHandle: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const list = this.pending.get(queueUrl) ?? [];
      this.pending.set(queueUrl, list);
      list.push({ receiptHandle, resolve, reject });
      if (list.length >= maxEntries) this.send(queueUrl, this.pending.get(queueUrl)!.splice(0, maxEntries));
      else this.timer ??= setTimeout(() => void this.flush(), this.flushMs);
    });
  }

  /** Sends everything pending and waits for every delete in flight. */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    for (const [queueUrl, list] of this.pending) {
      while (list.length > 0) this.send(queueUrl, list.splice(0, maxEntries));
    }
    this.pending.clear();
    await Promise.allSettled([...this.inFlight]);
  }

  private send(queueUrl: string, batch: PendingDelete[]): void {
    const request = this.deleteBatch(queueUrl, batch).finally(() => this.inFlight.delete(request));
    this.inFlight.add(request);
  }

  private async deleteBatch(queueUrl: string, batch: PendingDelete[]): Promise<void> {
    try {
      const result = await this.client.send(
        new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: batch.map((entry, index) => ({ Id: String(index), ReceiptHandle: entry.receiptHandle })) }),
      );
      for (const failure of result.Failed ?? []) {
        const entry = batch[Number(failure.Id)];
        // A stale receipt handle means the lease was lost: the contract makes that ack a no-op.
        if (failure.Code === "ReceiptHandleIsInvalid") entry?.resolve();
        else entry?.reject(new Error(`SQS DeleteMessageBatch failed for one message: ${failure.Code}: ${failure.Message ?? ""}`));
      }
      const failed = new Set((result.Failed ?? []).map((failure) => Number(failure.Id)));
      batch.forEach((entry, index) => failed.has(index) || entry.resolve());
    } catch (error) {
      for (const entry of batch) entry.reject(error as Error);
    }
  }
}
