import type { SettledRecord } from "@hopper/core";
import { whileSlotMoves, type SlotMoveWait } from "./redis-cluster-errors.js";
import { withDeclaredKeys } from "./redis-declared-keys.js";
import type { QueueKeys, RecordKeys } from "./redis-keys.js";
import type { RedisClient, ScriptCommands } from "./redis-scripts.js";
import { untilAborted } from "./until-aborted.js";

interface PendingAck {
  readonly handle: string;
  readonly attempt: string;
  readonly record: SettledRecord | undefined;
  /** The record goes in ack.lua's short form: the rest is in the message and its record (`ridesAck`: the message's own job's). */
  readonly short: boolean;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

const maxAcksPerCall = 1000;

/**
 * Gathers the acks made in one turn of the event loop into one script call
 * per queue. Each ack still resolves only after Redis has removed its message,
 * so batching saves round trips without weakening what ack promises; while
 * a cluster slot moves, the call is made again until it lands, however long the
 * move takes (an ack given up on runs its job again): `drain`, and so close, waits
 * for it within a bound, then `giveUp` ends the retries.
 */
export class AckBatcher {
  private readonly pending = new Map<QueueKeys, PendingAck[]>();
  private scheduled = false;
  /** The script calls on the wire, each with the number of acks it carries. */
  private readonly sending = new Map<Promise<void>, number>();

  constructor(
    private readonly client: RedisClient & ScriptCommands,
    /** Where acks that carry a record settle it (absent when the backend writes no records of its own). */
    private readonly records: RecordKeys | undefined,
    /** Aborted once the backend's close stopped waiting for acks in flight: their retries end there. */
    giveUp: AbortSignal,
    /** After how long a call still waiting on a slot migration is reported (`slotMoveWaitMs`), once. */
    warnAfterMs: number,
  ) {
    this.settling = { boundMs: Infinity, giveUp, warnAfterMs, onLongWait: warnAboutWaitingAcks };
  }

  private readonly settling: SlotMoveWait;

  ack(keys: QueueKeys, handle: string, attempt: string, record: SettledRecord | undefined, short: boolean): Promise<void> {
    return new Promise((resolve, reject) => {
      const ack: PendingAck = { handle, attempt, record, short, resolve, reject };
      const queueAcks = this.pending.get(keys);
      if (queueAcks) queueAcks.push(ack);
      else this.pending.set(keys, [ack]);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /**
   * Sends what is pending and waits for every call on the wire (before the connection closes), at most `boundMs`: a
   * client that waits out an outage for good (`maxRetriesPerRequest: null`) never settles them, and a slot migration
   * may hold them for as long as it lasts. Resolves with the acks not landed by then.
   */
  async drain(boundMs: number): Promise<number> {
    this.flush();
    await untilAborted(Promise.allSettled([...this.sending.keys()]), [AbortSignal.timeout(boundMs)]);
    let notLanded = 0;
    for (const count of this.sending.values()) notLanded += count;
    return notLanded;
  }

  private flush(): void {
    this.scheduled = false;
    for (const [keys, acks] of this.pending) {
      for (let start = 0; start < acks.length; start += maxAcksPerCall) {
        const batch = acks.slice(start, start + maxAcksPerCall);
        const sent = this.send(keys, batch).finally(() => this.sending.delete(sent));
        this.sending.set(sent, batch.length);
      }
    }
    this.pending.clear();
  }

  private async send(keys: QueueKeys, acks: readonly PendingAck[]): Promise<void> {
    const records = this.records && acks.some((ack) => ack.record !== undefined) ? this.records : undefined;
    // One flat argument list (keys, then ack.lua's ARGV), built in place.
    const call: (string | number)[] = [keys.ready, keys.delayed, keys.leased, keys.meta, keys.dedupe, keys.orphans];
    for (const ack of acks) call.push(`${keys.base}m:${ack.handle}`);
    const keyCount = call.length;
    call.push(keys.base, keys.wakeChannel, records?.prefix ?? "", records?.channel ?? "");
    if (records) {
      // What the call's short acks share: the first short ack's (a drain's acks mostly agree).
      const shared = sharedRecordArgs(acks.find((ack) => ack.short)?.record);
      call.push(shared.state, shared.ttl, shared.value, shared.finished);
      const forms = acks.map((ack) => recordForm(ack, shared));
      if (forms.every((form) => form === "S")) {
        call.push("S");
        for (const ack of acks) call.push(ack.handle, ack.attempt);
      } else {
        call.push("");
        for (const [index, ack] of acks.entries()) {
          call.push(ack.handle, ack.attempt);
          pushRecordArgs(call, ack, forms[index]!);
        }
      }
    } else {
      for (const ack of acks) call.push(ack.handle, ack.attempt);
    }
    try {
      // A stale or repeated ack is a no-op in the script, so making the call again is safe. Ordering lines it finds
      // missing (a slot half moved) it asks to have declared (ack.lua).
      await withDeclaredKeys(keyCount, call, (declared, args) => whileSlotMoves(() => this.client.hopperAck(declared, ...args), this.settling));
      for (const ack of acks) ack.resolve();
    } catch (error) {
      for (const ack of acks) ack.reject(error);
    }
  }
}

/** A stuck slot holds finished jobs unacked (and the worker's receive budget with them): said once per call. */
function warnAboutWaitingAcks(waitedMs: number, error: Error): void {
  process.emitWarning(
    `acks have waited ${Math.round(waitedMs / 1000)} s for a Redis Cluster slot (last reply: ${error.message}); they go on until it answers or the backend closes, and their jobs run again if their leases end first`,
    { code: "HOPPER_REDIS_ACKS_WAITING" },
  );
}

/**
 * Whether an ack's record may take ack.lua's short form: its claim rode in the message (the receive said so),
 * the record is the message's own job's, of the attempt the message holds, and finished (nothing to keep for later).
 * The script checks the message again and falls back to reading the record when the claim was taken back since.
 */
export function ridesAck(record: SettledRecord, messageId: string, deliveryAttempt: number): boolean {
  return record.id === messageId && record.attempt === deliveryAttempt && finishedStates.has(record.state) && record.runAt === undefined;
}

const finishedStates = new Set<string>(["succeeded", "failed", "dead", "cancelled"]);

/** The record arguments a call's short acks may share (ack.lua's "s" and "S" forms); "" when no ack is short. */
interface SharedRecordArgs {
  readonly state: string;
  readonly ttl: number | "";
  readonly value: string;
  readonly finished: number | "";
}

function sharedRecordArgs(record: SettledRecord | undefined): SharedRecordArgs {
  if (!record) return { state: "", ttl: "", value: "", finished: "" };
  return { state: record.state, ttl: Math.ceil(record.ttlMs), value: settledValue(record), finished: record.finishedAt ?? "" };
}

/** The result of a succeeded record, else its error: the one a short form carries. */
function settledValue(record: SettledRecord): string {
  return (record.state === "succeeded" ? record.result : record.error) ?? "";
}

type RecordForm = "" | "S" | "s" | "r" | "f";

/**
 * An ack's record form (ack.lua): "" for none; short ones "S" (all the call's), "s" (the call's state and ttl)
 * or "r" (its own), when `short` says the record is the message's own job's; else "f", whole.
 */
function recordForm(ack: PendingAck, shared: SharedRecordArgs): RecordForm {
  const record = ack.record;
  if (!record) return "";
  if (!ack.short) return "f";
  if (record.state !== shared.state || Math.ceil(record.ttlMs) !== shared.ttl) return "r";
  return settledValue(record) === shared.value && (record.finishedAt ?? "") === shared.finished ? "S" : "s";
}

/** An ack's record form and its arguments, as ack.lua takes them when the call's acks differ in form. */
function pushRecordArgs(call: (string | number)[], ack: PendingAck, form: RecordForm): void {
  const record = ack.record;
  call.push(form);
  if (!record || form === "" || form === "S") return;
  if (form === "s") call.push(settledValue(record), record.finishedAt ?? "");
  else if (form === "r") call.push(record.id, record.state, settledValue(record), record.finishedAt ?? "", Math.ceil(record.ttlMs));
  else call.push(record.id, record.job, record.queue, record.enqueuedAt, record.state, record.attempt, record.result ?? "", record.error ?? "", record.finishedAt ?? "", record.runAt ?? "", Math.ceil(record.ttlMs));
}
