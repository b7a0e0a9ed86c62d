import type { v1 } from "@google-cloud/pubsub";

interface Pending {
  readonly ackId: string;
  resolve(): void;
  reject(error: unknown): void;
}

// Ack ids are long; 500 keeps one request well under Pub/Sub's 512 kB request limit.
const maxIdsPerRequest = 500;
const grpcInvalidArgument = 3;
/**
 * Longest an acknowledge or modifyAckDeadline request may take, its retries included (the client's own bound is
 * 600 s): through an outage a worker's close() waited that long for the acks in flight, past any shutdown grace, and
 * was killed. One that fails leaves its message to come back when its lease ends: a duplicate, never a loss.
 */
const requestTimeoutMs = 10_000;

/**
 * Collects acknowledge and modifyAckDeadline calls made in the same few
 * milliseconds into one request per (subscription, deadline), the way the
 * client library's streaming subscriber does. Each call resolves once its
 * request has been answered, so `ack()` means the ack reached Pub/Sub.
 */
export class PubSubAckBatcher {
  private readonly batches = new Map<string, { subscription: string; deadlineSeconds: number | undefined; pending: Pending[] }>();
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly client: v1.SubscriberClient,
    private readonly maxDelayMs: number,
  ) {}

  acknowledge(subscription: string, ackId: string): Promise<void> {
    return this.add(subscription, undefined, ackId);
  }

  /** 0 makes the message available again at once; otherwise its lease runs `deadlineSeconds` from now. */
  modifyAckDeadline(subscription: string, ackId: string, deadlineSeconds: number): Promise<void> {
    return this.add(subscription, deadlineSeconds, ackId);
  }

  /** Sends everything queued and waits for every request in flight. */
  async flush(): Promise<void> {
    this.sendAll();
    await Promise.allSettled([...this.inFlight]);
  }

  private add(subscription: string, deadlineSeconds: number | undefined, ackId: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const key = `${deadlineSeconds ?? "ack"} ${subscription}`;
      let batch = this.batches.get(key);
      if (!batch) {
        batch = { subscription, deadlineSeconds, pending: [] };
        this.batches.set(key, batch);
      }
      batch.pending.push({ ackId, resolve, reject });
      if (batch.pending.length >= maxIdsPerRequest) {
        this.batches.delete(key);
        this.track(this.send(batch.subscription, batch.deadlineSeconds, batch.pending));
      } else {
        this.timer ??= setTimeout(() => this.sendAll(), this.maxDelayMs);
      }
    });
  }

  private sendAll(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batches = [...this.batches.values()];
    this.batches.clear();
    for (const batch of batches) this.track(this.send(batch.subscription, batch.deadlineSeconds, batch.pending));
  }

  private track(sending: Promise<void>): void {
    this.inFlight.add(sending);
    void sending.finally(() => this.inFlight.delete(sending));
  }

  private async send(subscription: string, deadlineSeconds: number | undefined, pending: readonly Pending[]): Promise<void> {
    try {
      await this.request(subscription, deadlineSeconds, pending.map((entry) => entry.ackId));
      for (const entry of pending) entry.resolve();
    } catch (error) {
      if ((error as { code?: number }).code !== grpcInvalidArgument || pending.length === 1) {
        settleAlone(pending, error);
        return;
      }
      // One stale ack id (its lease already lost) fails the whole request: retry each on its own.
      await Promise.all(pending.map((entry) => this.send(subscription, deadlineSeconds, [entry])));
    }
  }

  private async request(subscription: string, deadlineSeconds: number | undefined, ackIds: string[]): Promise<void> {
    const bounded = { timeout: requestTimeoutMs };
    if (deadlineSeconds === undefined) await this.client.acknowledge({ subscription, ackIds }, bounded);
    else await this.client.modifyAckDeadline({ subscription, ackIds, ackDeadlineSeconds: deadlineSeconds }, bounded);
  }
}

/** A single ack id Pub/Sub calls invalid belongs to a lost lease: per the contract that is a no-op. */
function settleAlone(pending: readonly Pending[], error: unknown): void {
  const stale = pending.length === 1 && (error as { code?: number }).code === grpcInvalidArgument;
  for (const entry of pending) {
    if (stale) entry.resolve();
    else entry.reject(error);
  }
}
