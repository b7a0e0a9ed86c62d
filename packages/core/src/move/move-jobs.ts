import type { Backend, OutgoingMessage, ReceivedMessage } from "../backend/backend.js";
import { sendInBatches } from "../backend/send-in-batches.js";
import { planDelivery } from "../delivery-plan.js";
import { decodeEnvelope, type Envelope } from "../envelope/envelope.js";
import { ConfigurationError } from "../errors/configuration-error.js";
import { UnsupportedCapabilityError } from "../errors/unsupported-capability-error.js";
import { validateQueueName } from "../names.js";
import { checkMoveOptions, type DroppableField, type MoveJobsOptions } from "./move-options.js";
import { emptyTally, type MoveQueueReport, type MoveReport, type MoveTally } from "./move-report.js";

/**
 * Drains queues of one backend into another: each message is leased from the
 * source, enqueued on the target unchanged (same body, so the same job id,
 * attempt, meta and `runAt`; the priority, ordering key and dedupe key read
 * from the envelope; the delay left until `runAt`), and acked on the source
 * only once the target accepted it (or answered it holds a duplicate). So at
 * least once and never lost: a move stopped or killed between the two leaves
 * the job on the source, to be moved again (a target that deduplicates by id
 * drops the second copy; others hold it twice).
 *
 * Due jobs come through `receive`, delayed ones through the source's
 * `takeScheduled` (capability `takeScheduled`). Nothing moves when the source
 * holds delayed jobs it cannot take (unless `leaveDelayed`), and nothing of a
 * batch moves when one of its jobs needs something the target cannot hold
 * (a priority, an ordering key, a dedupe key: unless named in `drop`).
 * A job the target refuses goes back to the source; the move stops after
 * that batch and reports it. `signal` stops it after the batch in hand.
 */
/**
 * The same server under two URLs (localhost and 127.0.0.1, a pooler and the server): every job would go back where it
 * came from, and one holding a dedupe key would be answered "a duplicate" by its own copy, which the source's ack then
 * deletes. Refused before anything moves, where both backends can say where their queues are.
 */
async function refuseSameQueues(from: Backend, to: Backend): Promise<void> {
  if (!from.identity || !to.identity) return;
  const [source, target] = await Promise.all([from.identity(), to.identity()]);
  if (source === target) throw new ConfigurationError({ field: "to", message: "holds the same queues as from (the same server and key prefix or schema, under another URL): moving a queue onto itself would drop its jobs with dedupe keys; give another server, database, schema or key prefix" });
}

export async function moveJobs(options: MoveJobsOptions): Promise<MoveReport> {
  const settings = checkMoveOptions(options);
  const { from, to, signal } = options;
  await refuseSameQueues(from, to);
  const queues: MoveQueueReport[] = [];
  for (const queue of options.queues) validateQueueName(queue, "queues");
  // Every queue is checked before the first job moves.
  const canTakeScheduled = from.capabilities.takeScheduled === true && typeof from.takeScheduled === "function";
  for (const queue of options.queues) await refuseStrandedDelays(from, to, queue, canTakeScheduled, settings.leaveDelayed);

  const total = emptyTally();
  // The source's own record store (Redis, PostgreSQL): a moved job's record goes with it, or it stays `waiting` there
  // for good (unfinished records on those backends expire only with a later write, which never comes).
  const sourceRecords = from.recordStore?.();
  const forgetRecords = sourceRecords?.remove ? (ids: readonly string[]) => sourceRecords.remove!(ids).catch(() => {}) : undefined;
  try {
    // Ids sent this run: one coming back means the target feeds the source (the same server under two URLs).
    const sent = new Set<string>();
    for (const queue of options.queues) {
      if (signal?.aborted) break;
      const tally = emptyTally();
      const report = () => options.onProgress?.({ queue, queueTally: { ...tally }, total: { ...total } });
      let failure: Error | undefined;
      for (;;) {
        if (signal?.aborted) break;
        const maxMessages = Math.min(settings.batchSize, from.capabilities.maxReceiveBatch);
        let batch: ReceivedMessage[] = await from.receive({ queue, maxMessages, waitMs: settings.idleWaitMs, leaseMs: settings.leaseMs, ...(signal && { signal }) });
        if (batch.length === 0 && canTakeScheduled && !signal?.aborted) {
          batch = await from.takeScheduled!({ queue, maxMessages, leaseMs: settings.leaseMs });
        }
        if (batch.length === 0) break;
        await refuseLoop(from, queue, batch, sent);
        failure = await keepLeased(from, batch, settings.leaseMs, () => moveBatch(from, to, queue, batch, settings.drop, [tally, total], forgetRecords));
        for (const message of batch) sent.add(message.id);
        report();
        if (failure) break;
      }
      const left = await from.stats?.(queue).catch(() => undefined);
      queues.push({ queue, ...tally, ...(left && { leftOnSource: left }), ...(failure && { error: failure }) });
      if (failure) break;
    }
    return { ...total, queues, stopped: signal?.aborted === true, tookScheduled: canTakeScheduled };
  } finally {
    await sourceRecords?.close().catch(() => {});
  }
}

/**
 * Renews the batch's leases every third of a lease while `work` runs, so a target slower than one
 * lease does not let a worker on the source take a job in the middle of its move (which would run
 * it there and land it on the target too). A renewal that fails means the lease is gone already:
 * the job may run on the source and arrive on the target as well, which at-least-once allows.
 * Sources without lease extension keep their one lease (`leaseMs` is the bound, as documented).
 */
async function keepLeased<T>(from: Backend, batch: readonly ReceivedMessage[], leaseMs: number, work: () => Promise<T>): Promise<T> {
  if (!from.capabilities.leaseExtension) return work();
  const renew = () => {
    for (const message of batch) message.extendLease(leaseMs).catch(() => false);
  };
  const timer = setInterval(renew, Math.max(1, Math.floor(leaseMs / 3)));
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

/** Stops, handing the batch back, when a job already sent this run is received again. */
async function refuseLoop(from: Backend, queue: string, batch: readonly ReceivedMessage[], sent: ReadonlySet<string>): Promise<void> {
  const repeated = batch.find((message) => sent.has(message.id));
  if (!repeated) return;
  const now = Date.now();
  await Promise.all(batch.map((message) => handBack(from, message, delayLeftMs(message.body, now)).catch(() => {})));
  throw new ConfigurationError({
    field: "to",
    message: `job ${repeated.id} came back on queue ${queue} of the ${from.name} backend after this move sent it: the target looks like the source under another URL (or its ack was lost); stopped, and the job stays where it is`,
  });
}

/** Refuses before anything moves when the source holds delayed jobs neither side can carry. */
async function refuseStrandedDelays(from: Backend, to: Backend, queue: string, canTakeScheduled: boolean, leaveDelayed: boolean): Promise<void> {
  const delayed = (await from.stats?.(queue))?.delayed;
  if (!delayed) return;
  if (!canTakeScheduled && !leaveDelayed) {
    throw new UnsupportedCapabilityError({
      capability: "takeScheduled",
      backend: from.name,
      message: `queue ${queue} on the ${from.name} backend holds ${delayed} delayed job(s), and the backend cannot take jobs before they are due (no takeScheduled capability): wait until they are due, or pass leaveDelayed (--leave-delayed) to move the due jobs only`,
    });
  }
  if (canTakeScheduled && !to.capabilities.delayedDelivery && !to.capabilities.nackDelay) {
    throw new UnsupportedCapabilityError({
      capability: "delayedDelivery",
      backend: to.name,
      message: `queue ${queue} holds ${delayed} delayed job(s), and the ${to.name} backend can neither delay delivery nor hold messages back`,
    });
  }
}

/** Moves one leased batch; resolves with the target's first refusal, if any (those jobs went back to the source). */
async function moveBatch(from: Backend, to: Backend, queue: string, batch: readonly ReceivedMessage[], drop: ReadonlySet<DroppableField>, tallies: readonly MoveTally[], forgetRecords?: (ids: readonly string[]) => Promise<void>): Promise<Error | undefined> {
  const count = (field: Exclude<keyof MoveTally, "dropped">, amount = 1) => tallies.forEach((tally) => (tally[field] += amount));
  let outgoing: Outgoing[];
  try {
    const now = Date.now();
    outgoing = batch.map((message) => outgoingOf(message, queue, to, drop, now));
  } catch (error) {
    // Checked for the whole batch before any of it is sent: none of it moves, each due when it was.
    const now = Date.now();
    await Promise.all(batch.map((message) => handBack(from, message, delayLeftMs(message.body, now)).catch(() => {})));
    throw error;
  }
  const results = await sendInBatches(to, outgoing.map((entry) => entry.message));
  let failure: Error | undefined;
  const acked: string[] = [];
  await Promise.all(
    results.map(async (result, index) => {
      const message = batch[index]!;
      if (result.status === "failed") {
        failure ??= result.error;
        count("failed");
        await handBack(from, message, outgoing[index]!.delayMs).catch(() => {});
        return;
      }
      for (const field of outgoing[index]!.dropped) tallies.forEach((tally) => (tally.dropped[field] += 1));
      count(result.status === "duplicate" ? "duplicates" : "moved");
      if (outgoing[index]!.delayMs > 0 && result.status === "enqueued") count("delayedMoved");
      // An ack that fails leaves the job on the source as well: moved again later, a duplicate on the target.
      if (await message.ack().then(() => true, () => (count("ackFailures"), false))) acked.push(message.id);
    }),
  );
  if (acked.length > 0) await forgetRecords?.(acked);
  return failure;
}

interface Outgoing {
  readonly message: OutgoingMessage;
  /** What was left of the job's delay (the target may carry less natively: its worker holds the rest). */
  readonly delayMs: number;
  readonly dropped: readonly DroppableField[];
}

function outgoingOf(message: ReceivedMessage, queue: string, to: Backend, drop: ReadonlySet<DroppableField>, now: number): Outgoing {
  const fields = readEnvelope(message.body);
  // Not a Hopper envelope this core can read: moved as it is, byte for byte, with nothing to plan.
  if (!fields) return { message: { id: message.id, queue, body: message.body }, delayMs: 0, dropped: [] };
  const dropped: DroppableField[] = [];
  const keep = <T>(field: DroppableField, value: T | undefined, held: boolean): T | undefined => {
    if (value === undefined || held || !drop.has(field)) return value;
    dropped.push(field);
    return undefined;
  };
  const delayMs = delayLeftMs(fields, now);
  const priority = keep("priority", fields.priority === 0 ? undefined : fields.priority, to.capabilities.priority);
  const orderingKey = keep("orderingKey", fields.orderingKey, to.capabilities.ordering);
  const dedupeKey = keep("dedupeKey", fields.dedupeKey, to.capabilities.deduplication);
  const planned = planDelivery(to.name, to.capabilities, { priority: priority ?? 0, delayMs, ...(orderingKey !== undefined && { orderingKey }), ...(dedupeKey !== undefined && { dedupeKey }) });
  return { message: { id: message.id, queue, body: message.body, ...planned }, delayMs, dropped };
}

function readEnvelope(body: string): Envelope | undefined {
  try {
    return decodeEnvelope(body);
  } catch {
    return undefined;
  }
}

/** How long until the job's `runAt`; 0 when due or unreadable. */
function delayLeftMs(envelope: string | Envelope | undefined, now: number): number {
  const fields = typeof envelope === "string" ? readEnvelope(envelope) : envelope;
  const runAtMs = fields?.runAt === undefined ? Number.NaN : Date.parse(fields.runAt);
  return Number.isNaN(runAtMs) ? 0 : Math.max(0, runAtMs - now);
}

/** Back to the source, due when it was (an early copy is held back by the worker until its `runAt` anyway). */
async function handBack(from: Backend, message: ReceivedMessage, delayMs: number): Promise<void> {
  const nackDelay = from.capabilities.nackDelay;
  if (delayMs > 0 && nackDelay) await message.nack({ retryAfterMs: Math.min(delayMs, nackDelay.maxDelayMs) });
  else await message.nack();
}
