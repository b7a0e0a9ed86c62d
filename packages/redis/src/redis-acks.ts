import type { SettledRecord } from "@hopper/core";
import { whileSlotMoves } from "./redis-cluster-errors.js";
import type { QueueKeys, RecordKeys } from "./redis-keys.js";
import type { RedisClient, ScriptCommands } from "./redis-scripts.js";

interface PendingAck {
  readonly handle: string;
  readonly attempt: string;
  readonly record: SettledRecord | undefined;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

const maxAcksPerCall = 1000;

/**
 * Gathers the acks made in one turn of the event loop into one script call
 * per queue. Each ack still resolves only after Redis has removed its message,
 * so batching saves round trips without weakening what ack promises; while
 * a cluster slot moves, the call is made again until it lands (`drain`, and so
 * close, waits for it).
 */
export class AckBatcher {
  private readonly pending = new Map<QueueKeys, PendingAck[]>();
  private scheduled = false;
  private readonly sending = new Set<Promise<void>>();

  constructor(
    private readonly client: RedisClient & ScriptCommands,
    /** Where acks that carry a record settle it (absent when the backend writes no records of its own). */
    private readonly records: RecordKeys | undefined,
  ) {}

  ack(keys: QueueKeys, handle: string, attempt: string, record: SettledRecord | undefined): Promise<void> {
    return new Promise((resolve, reject) => {
      const queueAcks = this.pending.get(keys);
      if (queueAcks) queueAcks.push({ handle, attempt, record, resolve, reject });
      else this.pending.set(keys, [{ handle, attempt, record, resolve, reject }]);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Sends what is pending now and waits for every ack in flight (before the connection closes). */
  async drain(): Promise<void> {
    this.flush();
    await Promise.allSettled([...this.sending]);
  }

  private flush(): void {
    this.scheduled = false;
    for (const [keys, acks] of this.pending) {
      for (let start = 0; start < acks.length; start += maxAcksPerCall) {
        const sent = this.send(keys, acks.slice(start, start + maxAcksPerCall)).finally(() => this.sending.delete(sent));
        this.sending.add(sent);
      }
    }
    this.pending.clear();
  }

  private async send(keys: QueueKeys, acks: readonly PendingAck[]): Promise<void> {
    const records = this.records && acks.some((ack) => ack.record !== undefined) ? this.records : undefined;
    const args = acks.flatMap((ack) => (records ? [ack.handle, ack.attempt, ...settleArgs(ack.record)] : [ack.handle, ack.attempt]));
    const messageKeys = acks.map((ack) => `${keys.base}m:${ack.handle}`);
    const declared = [keys.ready, keys.delayed, keys.leased, keys.meta, keys.dedupe, keys.orphans, ...messageKeys];
    try {
      // A stale or repeated ack is a no-op in the script, so making the call again is safe.
      await whileSlotMoves(() => this.client.hopperAck(declared.length, ...declared, keys.base, keys.wakeChannel, records?.prefix ?? "", records?.channel ?? "", ...args));
      for (const ack of acks) ack.resolve();
    } catch (error) {
      for (const ack of acks) ack.reject(error);
    }
  }
}

/** The eleven record arguments ack.lua takes per ack (job "" for none). */
function settleArgs(record: SettledRecord | undefined): string[] {
  if (!record) return ["", "", "", "", "", "", "", "", "", "", ""];
  const optional = (value: number | string | undefined) => (value === undefined ? "" : String(value));
  return [record.id, record.job, record.queue, String(record.enqueuedAt), record.state, String(record.attempt), optional(record.result), optional(record.error), optional(record.finishedAt), optional(record.runAt), String(Math.ceil(record.ttlMs))];
}
