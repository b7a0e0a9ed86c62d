import type { NackOptions, ReceivedMessage } from "@hopper/core/backend";
import type { SettledRecord } from "@hopper/core";
import type { ClaimedMessage } from "./operations/claim-messages.js";
import type { AckItem } from "./operations/delete-messages.js";
import { extendLeases } from "./operations/extend-leases.js";
import { releaseMessages } from "./operations/release-messages.js";
import type { GroupCommit } from "./postgres-group-commit.js";
import type { SqlExecutor } from "./postgres-executor.js";
import type { PostgresSchema } from "./postgres-schema.js";

/** What every message of one backend settles through: shared, so a held message carries no closures of its own. */
export interface ReceivedMessageContext {
  readonly executor: SqlExecutor;
  readonly schema: PostgresSchema;
  readonly acks: GroupCommit<AckItem>;
  /** Runs an operation unless the backend is closed, and lets close wait for it. */
  readonly track: <T>(operation: () => Promise<T>) => Promise<T>;
}

/** One claimed row as the backend contract hands it out; `seq` and `attempts` are its lease token. */
export class PostgresReceivedMessage implements ReceivedMessage {
  readonly id: string;
  /** Own, so a wrapper spreading the message keeps it; "" once released. */
  body: string;
  readonly deliveryAttempt: number;
  readonly record: "running" | "cancelled" | undefined;
  readonly #seq: string;
  readonly #attempts: number;
  readonly #context: ReceivedMessageContext;

  /** `leaseFrom`: when the claim that leased it was sent (see ReceivedMessage.leaseFrom). */
  constructor(
    context: ReceivedMessageContext,
    claimed: ClaimedMessage,
    readonly leaseFrom: number,
  ) {
    this.id = claimed.id;
    this.body = claimed.body;
    this.deliveryAttempt = claimed.counted;
    this.record = claimed.record ?? undefined;
    this.#seq = claimed.seq;
    this.#attempts = claimed.attempts;
    this.#context = context;
  }

  /** The lease needs only `seq` and `attempts`: a started job's message drops its body (ReceivedMessage.releaseBody). */
  releaseBody(): void {
    this.body = "";
  }

  ack(options?: { readonly record?: SettledRecord }): Promise<void> {
    const { track, acks } = this.#context;
    const record = options?.record;
    const token: AckItem = record ? { seq: this.#seq, attempts: this.#attempts, record } : { seq: this.#seq, attempts: this.#attempts };
    return track(() => acks.add(token));
  }

  nack(options?: NackOptions): Promise<void> {
    const { track, executor, schema } = this.#context;
    return track(() => releaseMessages(executor, schema, [{ seq: this.#seq, attempts: this.#attempts, delayMs: options?.retryAfterMs ?? 0, uncounted: options?.countAttempt === false }]));
  }

  extendLease(leaseMs: number): Promise<boolean> {
    const { track, executor, schema } = this.#context;
    return track(async () => (await extendLeases(executor, schema, [{ seq: this.#seq, attempts: this.#attempts, leaseMs }])).has(this.#seq));
  }
}

/** A delayed message leased before it is due (`takeScheduled`), with when it was due. */
export class PostgresScheduledMessage extends PostgresReceivedMessage {
  constructor(
    context: ReceivedMessageContext,
    claimed: ClaimedMessage,
    leaseFrom: number,
    readonly dueAt: number,
  ) {
    super(context, claimed, leaseFrom);
  }
}
