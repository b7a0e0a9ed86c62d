import type { EnqueueResult, OutgoingMessage } from "../backend/backend.js";
import type { Envelope } from "../envelope/envelope.js";
import type { Logger } from "../logger.js";
import type { CoordinationStore } from "./coordination-store.js";
import { jobKeyPart, keyFor, type ResolvedUnique } from "./job-coordination-options.js";

/** Envelope meta naming the coordination key a unique job holds, so any worker can free it. */
export const UNIQUE_META_KEY = "hopper.unique";

export function uniqueStoreKey(jobName: string, unique: ResolvedUnique, args: unknown): string {
  return `unique:${jobKeyPart(jobName)}:${keyFor(unique.key, args, `${jobName}.unique`)}`;
}

/**
 * How long a reservation lasts before its message is confirmed sent. A
 * process that dies between reserving and sending leaves the key taken this
 * long, not for the job's whole ttl; a send slower than this lets a second
 * job with the key through (a duplicate, never a lost job).
 */
export const PENDING_RESERVATION_MS = 15_000;

/**
 * Sends the messages whose unique key this call reserves for their job id;
 * the others come back as duplicates of the job already holding the key.
 *
 * Inside the caller's transaction the reservation joins it (a store that
 * cannot refuses): it appears at commit and vanishes with a rollback, with
 * the job. Otherwise: reserve for a short while, send, then confirm for the
 * ttl; a reservation whose message failed to send is freed again.
 */
export async function sendUnique(
  coordination: CoordinationStore,
  unique: Pick<ResolvedUnique, "ttlMs">,
  messages: readonly { message: OutgoingMessage; key: string }[],
  send: (messages: OutgoingMessage[]) => Promise<EnqueueResult[]>,
  logger: Logger,
  transaction?: unknown,
): Promise<EnqueueResult[]> {
  const reservationMs = transaction === undefined ? Math.min(unique.ttlMs, PENDING_RESERVATION_MS) : unique.ttlMs;
  const reserve = ({ message, key }: { message: OutgoingMessage; key: string }) => coordination.acquire(key, message.id, { limit: 1, ttlMs: reservationMs, ...(transaction !== undefined && { transaction }) });
  // One statement at a time on the caller's client, in key order so two transactions never wait on each other in a cycle.
  const reservations = transaction === undefined ? await reserveAll(coordination, messages, reserve, logger) : await reserveInOrder(messages, reserve);
  const reserved = messages.filter((_, index) => reservations[index]!.acquired);
  let sent: EnqueueResult[];
  try {
    sent = await send(reserved.map(({ message }) => message));
  } catch (error) {
    // The call fails whole: keys left reserved would answer its retry as duplicates of jobs never sent. (Inside a
    // transaction the caller's rollback frees them.) A send that landed after all lets a second job through: a
    // duplicate, never a lost job.
    if (transaction === undefined) await freeReservations(coordination, reserved, logger);
    throw error;
  }
  const settle = async (result: EnqueueResult, index: number) => {
    const { key } = reserved[index]!;
    if (result.status !== "enqueued") return coordination.release(key, result.id, transaction === undefined ? undefined : { transaction });
    if (reservationMs === unique.ttlMs) return;
    // extend, not acquire: a worker may already have started the job and freed its key.
    await coordination.extend(key, result.id, unique.ttlMs);
  };
  const settleSafely = (result: EnqueueResult, index: number) =>
    settle(result, index).catch((error: unknown) => logger.warn("could not confirm or free a unique job's key; it frees itself at the end of its reservation", { key: reserved[index]!.key, jobId: result.id, error }));
  if (transaction === undefined) await Promise.all(sent.map(settleSafely));
  else for (const [index, result] of sent.entries()) await settleSafely(result, index);
  const sentById = new Map(sent.map((result) => [result.id, result]));
  return messages.map(({ message }, index): EnqueueResult => {
    const reservation = reservations[index]!;
    if (reservation.acquired) return sentById.get(message.id)!;
    const existingId = reservation.holders[0];
    // A refusal must name the job holding the key: answering with this call's id would hand out a job never sent.
    if (existingId === undefined) return { status: "failed", id: message.id, error: new Error(`the ${coordination.name} coordination store refused unique key ${JSON.stringify(messages[index]!.key)} without naming its holder (its acquire is not atomic); enqueue it again`) };
    return { status: "duplicate", id: message.id, existingId };
  });
}

/** Every reservation, or none: when one fails, those taken are freed before the call fails. */
async function reserveAll<T extends { message: OutgoingMessage; key: string }>(coordination: CoordinationStore, messages: readonly T[], reserve: (message: T) => Promise<Reservation>, logger: Logger): Promise<Reservation[]> {
  const settled = await Promise.allSettled(messages.map(reserve));
  const taken = settled.map((result) => (result.status === "fulfilled" ? result.value : undefined));
  const failure = settled.find((result) => result.status === "rejected");
  if (failure === undefined) return taken as Reservation[];
  await freeReservations(coordination, messages.filter((_, index) => taken[index]?.acquired === true), logger);
  throw failure.reason;
}

type Reservation = Awaited<ReturnType<CoordinationStore["acquire"]>>;

async function freeReservations(coordination: CoordinationStore, reserved: readonly { message: OutgoingMessage; key: string }[], logger: Logger): Promise<void> {
  await Promise.all(
    reserved.map(({ message, key }) =>
      coordination.release(key, message.id).catch((error: unknown) => logger.warn("could not free a unique job's key after a failed enqueue; it frees itself at the end of its reservation", { key, jobId: message.id, error })),
    ),
  );
}

async function reserveInOrder<T extends { key: string }, R>(messages: readonly T[], reserve: (message: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(messages.length);
  const order = messages.map((_, index) => index).sort((a, b) => (messages[a]!.key < messages[b]!.key ? -1 : messages[a]!.key > messages[b]!.key ? 1 : 0));
  for (const index of order) results[index] = await reserve(messages[index]!);
  return results;
}

/** Frees the unique key `envelope` holds, if any; a failure only delays the key until its ttl. */
export async function releaseUnique(coordination: CoordinationStore, envelope: Envelope, logger: Logger): Promise<void> {
  const key = envelope.meta[UNIQUE_META_KEY];
  if (key === undefined) return;
  await coordination.release(key, envelope.id).catch((error: unknown) => logger.warn("could not free a unique job's key; it frees itself at its ttl", { key, jobId: envelope.id, error }));
}
