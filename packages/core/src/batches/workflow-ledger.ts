import { createHash } from "node:crypto";
import type { CoordinationStore } from "../coordination/coordination-store.js";
import { deserializeArgs } from "../envelope/args-serializer.js";
import type { WorkflowHolds } from "./workflow-holds.js";
import { PayloadTooLargeError } from "../errors/payload-too-large-error.js";
import type { Logger } from "../logger.js";
import { upgradeArgs, type JobDefinition, type JobRegistry } from "../job-registry.js";
import type { EnqueueOptions } from "../job.js";

/** A job and its args as a workflow keeps them until it sends the job (a callback, a chain's step). */
export interface StoredCall {
  readonly job: string;
  /** The args as the envelope carries them (serializeArgs). */
  readonly args: unknown;
  readonly argsMeta?: unknown;
  /** The job's payload version when the call was stored (absent in calls stored before it was kept: the current one). */
  readonly version?: number;
}

/** Sends jobs of one class with these ids and meta (the enqueuer). */
export type EnqueueWithIds = (definition: JobDefinition, argsList: readonly unknown[], options: EnqueueOptions, meta: Readonly<Record<string, string>>, ids: readonly string[]) => Promise<string[]>;

/**
 * The facts a workflow (a batch, a chain) keeps beside its members, in the
 * coordination store: entries under `<scope>:info` (its options, and a mark per
 * job it sent: `enqueued:<name>`, `succeeded:<name>`), held with every write so
 * the options written first live as long as the last mark, and one claim per
 * job it sends, `<scope>:claim:<name>`.
 *
 * `sendOnce` is the one way a workflow sends a job: claim, send, mark. The claim
 * (a single holder, kept as long as the workflow) lets one sender through; the
 * same holder claiming again (its message redelivered after a crash between the
 * claim and the mark) gets it again and finishes the send. The job's id is
 * derived from the scope and the name, so a repeated send is a copy of one job,
 * and a copy that starts after one succeeded is dropped (`succeeded:<name>`).
 */
export class WorkflowLedger {
  constructor(
    private readonly store: CoordinationStore,
    /** e.g. `hopper:batch:<id>`. */
    readonly scope: string,
    /** Every entry and claim lives this long after its last write. */
    private readonly keepMs: number,
    /** Holds the workflow's entries while it runs (`workflow-holds.ts`). */
    private readonly holds: WorkflowHolds,
  ) {}

  key(part: string): string {
    return `${this.scope}:${part}`;
  }

  async write(member: string, value: string): Promise<void> {
    await this.holds.hold([this.key("info")]);
    await this.store.putEntry(this.key("info"), member, value, this.keepMs);
  }

  async read(): Promise<Map<string, string>> {
    const entries = await this.store.listEntries(this.key("info"));
    return new Map(entries.map((entry) => [entry.member, entry.value]));
  }

  /**
   * Sends `call` as the job `name` unless another holder claimed it; a no-op once marked enqueued (`info` read by the
   * caller). `unsendable` when the backend refuses it for its size, now or before (`unsendable:<name>`): no retry
   * could send it, and the job whose bookkeeping sends it would be redelivered for ever, so it is marked and logged.
   */
  async sendOnce(info: ReadonlyMap<string, string>, name: string, holder: string, call: StoredCall, sender: CallSender, meta: Readonly<Record<string, string>> = {}): Promise<"sent" | "unsendable"> {
    if (info.has(`unsendable:${name}`)) return "unsendable";
    if (info.has(`enqueued:${name}`)) return "sent";
    const claim = await this.store.acquire(this.key(`claim:${name}`), holder, { limit: 1, ttlMs: this.keepMs });
    if (!claim.acquired) return "sent";
    const definition = sender.registry.lookup(call.job);
    const stored = deserializeArgs({ json: call.args, meta: call.argsMeta });
    // Stored by the release that made the workflow: upgraded to this release's shape, as a queued payload would be.
    const args = call.version !== undefined && call.version < definition.version ? upgradeArgs(definition, call.version, stored) : stored;
    const jobId = derivedJobId(this.scope, name);
    try {
      await sender.enqueue(definition, [args], {}, { ...meta, [SENT_ONCE_META_KEY]: `${this.scope}|${name}` }, [jobId]);
    } catch (error) {
      if (!PayloadTooLargeError.isInstance(error)) throw error;
      sender.logger.error("a workflow's job could never be sent: its payload is over the backend's limit; it is marked unsendable and the workflow goes on without it", { workflow: this.scope, name, job: call.job, jobId, error });
      await this.write(`unsendable:${name}`, error.message);
      return "unsendable";
    }
    await this.write(`enqueued:${name}`, new Date().toISOString());
    return "sent";
  }
}

export interface CallSender {
  readonly registry: JobRegistry;
  readonly enqueue: EnqueueWithIds;
  /** Where a job that can never be sent is reported. */
  readonly logger: Logger;
}

/** The envelope meta of a job a workflow sent with `sendOnce`: `<scope>|<name>`. */
export const SENT_ONCE_META_KEY = "hopper.sentBy";

const workflowScope = /^hopper:(batch|chain):[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Where a job sent by `sendOnce` came from, from its meta; undefined for any other job. */
export function sentOnceOf(meta: Readonly<Record<string, string>>): { scope: string; name: string } | undefined {
  const value = meta[SENT_ONCE_META_KEY];
  if (value === undefined) return undefined;
  const separator = value.lastIndexOf("|");
  const scope = value.slice(0, separator);
  // The body is input: it may only name a workflow's scope, never another key of the store.
  if (separator < 0 || !workflowScope.test(scope)) return undefined;
  return { scope, name: value.slice(separator + 1) };
}

/** A UUID-shaped id from a scope and a name, the same for every sender. */
export function derivedJobId(scope: string, name: string): string {
  const hex = createHash("sha256").update(`${scope}|${name}`).digest("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
