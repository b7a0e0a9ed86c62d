import type { NackOptions, ReceivedMessage } from "@hopper/core/backend";
import type { SettledRecord } from "@hopper/core";
import type { ClaimedMessage } from "./operations/claim-messages.js";
import type { AckItem } from "./operations/delete-messages.js";
import type { RenewalItem } from "./operations/extend-leases.js";
import type { ReleaseItem } from "./operations/release-messages.js";
import type { GroupCommit } from "./postgres-group-commit.js";

/** What every message of one backend settles through: shared, so a held message carries no closures of its own. */
export interface ReceivedMessageContext {
  readonly acks: GroupCommit<AckItem>;
  /** Nacks, gathered as acks are: a buffer handed back at once is one statement. */
  readonly releases: GroupCommit<ReleaseItem>;
  /** Nacks that write a body, gathered a few at a time (their bodies may be large). */
  readonly bodyReleases: GroupCommit<ReleaseItem>;
  /** Lease renewals, gathered likewise; each answers with the seqs its statement extended. */
  readonly renewals: GroupCommit<RenewalItem, Set<string>>;
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
    const token: AckItem = record ? { seq: this.#seq, attempts: this.#attempts, record, messageId: this.id } : { seq: this.#seq, attempts: this.#attempts };
    return track(() => acks.add(token));
  }

  nack(options?: NackOptions): Promise<void> {
    const { track, releases, bodyReleases } = this.#context;
    const release: ReleaseItem = { seq: this.#seq, attempts: this.#attempts, delayMs: statementMs(options?.retryAfterMs ?? 0), uncounted: options?.countAttempt === false };
    const body = options?.body;
    return track(() => (body === undefined ? releases.add(release) : bodyReleases.add({ ...release, body })));
  }

  extendLease(leaseMs: number): Promise<boolean> {
    const { track, renewals } = this.#context;
    return track(async () => (await renewals.add({ seq: this.#seq, attempts: this.#attempts, leaseMs: statementMs(leaseMs) })).has(this.#seq));
  }
}

/**
 * A length the statement can carry: sharing one statement, a NaN or an out-of-range figure of one message would fail
 * its neighbours' nacks too. No delay or lease this long is meant (2^53 ms is 285,000 years).
 */
function statementMs(ms: number): number {
  return Number.isNaN(ms) ? 0 : Math.min(Math.max(ms, 0), Number.MAX_SAFE_INTEGER);
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
