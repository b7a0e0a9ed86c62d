import type { EnqueueResult, OutgoingMessage } from "../backend/backend.js";
import type { Envelope } from "../envelope/envelope.js";
import type { Logger } from "../logger.js";
import type { CoordinationStore } from "./coordination-store.js";
import { keyFor, type ResolvedUnique } from "./job-coordination-options.js";

/** Envelope meta naming the coordination key a unique job holds, so any worker can free it. */
export const UNIQUE_META_KEY = "hopper.unique";

export function uniqueStoreKey(jobName: string, unique: ResolvedUnique, args: unknown): string {
  return `unique:${jobName}:${keyFor(unique.key, args, `${jobName}.unique`)}`;
}

/**
 * Sends the messages whose unique key this call reserves for their job id;
 * the others come back as duplicates of the job already holding the key. A
 * reservation whose message failed to send is freed again.
 */
export async function sendUnique(
  coordination: CoordinationStore,
  unique: ResolvedUnique,
  messages: readonly { message: OutgoingMessage; key: string }[],
  send: (messages: OutgoingMessage[]) => Promise<EnqueueResult[]>,
): Promise<EnqueueResult[]> {
  const reservations = await Promise.all(messages.map(({ message, key }) => coordination.acquire(key, message.id, { limit: 1, ttlMs: unique.ttlMs })));
  const reserved = messages.filter((_, index) => reservations[index]!.acquired);
  const sent = await send(reserved.map(({ message }) => message));
  await Promise.all(sent.flatMap((result, index) => (result.status === "enqueued" ? [] : [coordination.release(reserved[index]!.key, result.id)])));
  const sentById = new Map(sent.map((result) => [result.id, result]));
  return messages.map(({ message }, index): EnqueueResult => {
    const reservation = reservations[index]!;
    if (reservation.acquired) return sentById.get(message.id)!;
    return { status: "duplicate", id: message.id, ...(reservation.holders[0] !== undefined && { existingId: reservation.holders[0] }) };
  });
}

/** Frees the unique key `envelope` holds, if any; a failure only delays the key until its ttl. */
export async function releaseUnique(coordination: CoordinationStore, envelope: Envelope, logger: Logger): Promise<void> {
  const key = envelope.meta[UNIQUE_META_KEY];
  if (key === undefined) return;
  await coordination.release(key, envelope.id).catch((error: unknown) => logger.warn("could not free a unique job's key; it frees itself at its ttl", { key, jobId: envelope.id, error }));
}
