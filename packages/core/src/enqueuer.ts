import { keyTextProblem } from "./key-text.js";
import { randomJobId } from "./job-id.js";
import { queueBackend, type Backend, type EnqueueResult, type OutgoingMessage } from "./backend/backend.js";
import type { CoordinationStore } from "./coordination/coordination-store.js";
import type { DedupeWindows } from "./coordination/dedupe-windows.js";
import { sendUnique, uniqueStoreKey, UNIQUE_META_KEY } from "./coordination/unique-jobs.js";
import { sendInBatches } from "./backend/send-in-batches.js";
import { coalescerFor } from "./enqueue-coalescer.js";
import { planDelivery } from "./delivery-plan.js";
import { toMilliseconds } from "./duration.js";
import { toTimeoutMilliseconds } from "./job-timeout.js";
import { encodeEnvelope, ENVELOPE_FORMAT_VERSION, type Envelope } from "./envelope/envelope.js";
import { serializeArgs } from "./envelope/args-serializer.js";
import { ConfigurationError } from "./errors/configuration-error.js";
import { BackendUnavailableError } from "./errors/backend-unavailable-error.js";
import { EnqueueFailedError } from "./errors/enqueue-failed-error.js";
import { isConnectionFailure, withinBound, type ReachBound } from "./backend-reach.js";
import { PayloadTooLargeError } from "./errors/payload-too-large-error.js";
import type { EnqueueOptions } from "./job.js";
import { optionKeysOf } from "./option-keys.js";
import type { Logger } from "./logger.js";
import { validateArgs, type JobDefinition } from "./job-registry.js";
import { runEnqueueMiddleware, type Middleware } from "./middleware.js";
import { validatePriority, validateQueueName } from "./names.js";
import type { RecordWriter } from "./records/record-writer.js";
import type { OutboxStore } from "./outbox/outbox-store.js";
import { stageInOutbox } from "./outbox/stage-in-outbox.js";
import type { FlowControl } from "./flow-control/flow-control.js";
import { concurrencyStoreKey } from "./coordination/concurrency-limit.js";

const enqueueOptionKeys = new Set(optionKeysOf<EnqueueOptions>({ wait: true, waitUntil: true, priority: true, queue: true, orderingKey: true, dedupeKey: true, transaction: true, timeout: true }));

/** What the enqueuer needs beside the backend. */
export interface EnqueueDependencies {
  readonly backend: Backend;
  readonly middleware: readonly Middleware[];
  /** Reserves unique jobs' keys. */
  readonly coordination: CoordinationStore;
  /** Reserves dedupe keys where the backend names a duplicate's first job only to the process that sent it. */
  readonly dedupeWindows?: DedupeWindows;
  readonly logger: Logger;
  /** How long a send may go unanswered before it fails with BackendUnavailableError; unbounded when absent. */
  readonly reach?: ReachBound;
  /** Writes a record of each enqueued job; absent when records are off. */
  readonly records?: RecordWriter;
  /** Where jobs enqueued inside a transaction are staged (createHopper({ outbox })); absent: the backend's own transactions. */
  readonly outbox?: OutboxStore;
  /** Rate limits: their key functions are run at enqueue, so a bad key is refused here. */
  readonly flowControl?: FlowControl;
}

/**
 * Validates, encodes and sends jobs of one class; resolves with their ids in
 * order (for a unique job already queued, the queued job's id). `meta` starts
 * every envelope's meta (e.g. the tick of a recurring job).
 */
export async function enqueueJobs(
  dependencies: EnqueueDependencies,
  definition: JobDefinition,
  argsList: readonly unknown[],
  options: EnqueueOptions,
  meta: Readonly<Record<string, string>> = {},
  /** The jobs' ids, chosen by the caller (a batch registers them before they are sent); random when absent. */
  jobIds?: readonly string[],
): Promise<string[]> {
  const { middleware } = dependencies;
  if (!Array.isArray(argsList)) throw new ConfigurationError({ field: "argsList", message: "performAllLater takes an array of job arguments" });
  const resolved = resolveOptions(definition, options);
  // A routed Hopper checks and sends against the backend this queue lives on.
  const backend = queueBackend(dependencies.backend, resolved.queue);
  const backendLabel = backend === dependencies.backend ? backend.name : `${backend.name} (queue ${JSON.stringify(resolved.queue)})`;
  const { outbox } = dependencies;
  const viaOutbox = resolved.transaction !== undefined && outbox !== undefined;
  const delivery = planDelivery(backendLabel, backend.capabilities, { ...resolved, viaOutbox });
  // A job without a schema has nothing to validate: no promise per job (a bulk call makes up to a thousand).
  const validated = definition.jobClass.schema ? await Promise.all(argsList.map((args) => validateArgs(definition, args))) : argsList;
  dependencies.flowControl?.checkEnqueue(resolved.queue, definition, validated);
  // The worker computes the concurrency key from these args: one it cannot compute would dead-letter every such job.
  const { concurrency } = definition;
  if (concurrency) for (const args of validated) concurrencyStoreKey(definition.name, concurrency, args);
  const context = { jobName: definition.name, queue: resolved.queue, count: argsList.length, meta: { ...meta } as Record<string, string>, backend: backend.name, destination: backend.destinationOf?.(resolved.queue) ?? resolved.queue };

  return runEnqueueMiddleware(middleware, context, async () => {
    const times = enqueueTimes(Date.now(), resolved.delayMs);
    const { unique } = definition;
    const uniqueKeys = unique && argsList.map((args) => uniqueStoreKey(definition.name, unique, args));
    const envelopes: Envelope[] = [];
    // Whether some message goes without its record (records not riding with the backend's messages): those are written after the send.
    let recordsAfterSend = false;
    const messages = validated.map((_, index): OutgoingMessage => {
      const envelopeMeta = uniqueKeys ? { ...context.meta, [UNIQUE_META_KEY]: uniqueKeys[index]! } : context.meta;
      const envelope = buildEnvelope(definition, argsList[index], resolved, envelopeMeta, times, jobIds?.[index]);
      envelopes.push(envelope);
      const body = encodeEnvelope(envelope);
      const limitBytes = backend.capabilities.maxPayloadBytes;
      // A UTF-16 unit is at most 3 UTF-8 bytes: a body that short is under the limit without counting its bytes.
      if (body.length * 3 > limitBytes) {
        const sizeBytes = Buffer.byteLength(body);
        if (sizeBytes > limitBytes) throw new PayloadTooLargeError({ sizeBytes, limitBytes, backend: backend.name, job: definition.name });
      }
      const message: { -readonly [K in keyof OutgoingMessage]: OutgoingMessage[K] } = { id: envelope.id, queue: resolved.queue, body, ...delivery };
      // Set, not spread in: no wrapper object per enqueued job for the record (#20).
      const record = dependencies.records?.outgoingRecord(envelope);
      if (record) message.record = record;
      else recordsAfterSend = true;
      return message;
    });
    const { reach } = dependencies;
    const { transaction } = resolved;
    // Outside a transaction, concurrent calls share sends, and their lane keeps the reach bound; inside one, the
    // messages go alone on the caller's client (to the outbox when there is one, on the caller's own
    // transaction, which the caller bounds).
    const send = (outgoing: OutgoingMessage[]): Promise<EnqueueResult[]> =>
      transaction === undefined
        ? coalescerFor(backend).send(outgoing, reach)
        : viaOutbox
          ? stageInOutbox(outbox!, outgoing, transaction)
          : reach
            ? withinBound(reach, (progress) => sendInBatches(backend, outgoing, { transaction }, progress))
            : sendInBatches(backend, outgoing, { transaction });
    // A unique job's key already decides; a staged or transactional enqueue is sent later or joins a database.
    const dedupe = uniqueKeys || transaction !== undefined ? undefined : dependencies.dedupeWindows?.reservationFor(backend.capabilities, backend.name, resolved.queue, resolved.dedupeKey);
    const results = uniqueKeys
      ? await sendUnique(dependencies.coordination, unique!, messages.map((message, index) => ({ message, key: uniqueKeys[index]! })), send, dependencies.logger, transaction)
      : dedupe
        ? await sendUnique(dedupe.coordination, dedupe, messages.map((message) => ({ message, key: dedupe.key })), send, dependencies.logger)
        : await send(messages);
    const ids: string[] = [];
    const failures: { index: number; id: string; error: Error }[] = [];
    results.forEach((result, index) => {
      if (result.status === "failed") failures.push({ index, id: result.id, error: result.error });
      ids.push(result.status === "duplicate" ? (result.existingId ?? result.id) : result.id);
    });
    const enqueued = results.length - failures.length;
    // Nothing went through because the server is down: the same error on every backend, not the driver's own.
    if (enqueued === 0 && failures.length > 0 && isConnectionFailure(failures[0]!.error)) {
      throw BackendUnavailableError.isInstance(failures[0]!.error) && failures[0]!.error.url !== undefined ? failures[0]!.error : new BackendUnavailableError({ url: reach?.url, cause: failures[0]!.error });
    }
    // After the send, so no record names a job that was never enqueued; a worker that starts the job first creates the record itself.
    if (dependencies.records && recordsAfterSend) {
      const enqueuedIndexes = results.flatMap((result, index) => (result.status === "enqueued" ? [index] : []));
      await dependencies.records.enqueued(enqueuedIndexes.map((index) => envelopes[index]!), resolved.transaction, enqueuedIndexes.map((index) => messages[index]!));
    }
    if (failures.length > 0) {
      // One job refused for its size (by a limit only the backend knows, such as an SQS queue's own): the refusal itself.
      if (results.length === 1 && PayloadTooLargeError.isInstance(failures[0]!.error)) throw failures[0]!.error;
      throw new EnqueueFailedError({ failures, enqueuedIds: ids.filter((_, index) => results[index]!.status !== "failed") });
    }
    return ids;
  });
}

interface ResolvedOptions {
  readonly queue: string;
  readonly priority: number;
  readonly delayMs: number;
  readonly orderingKey?: string;
  readonly dedupeKey?: string;
  readonly transaction?: unknown;
  readonly timeoutMs?: number;
}

/** Checks and resolves one call's enqueue options; `field` names them in errors (a flow child's: `flow.children[0][2]`). */
export function resolveOptions(definition: JobDefinition, options: EnqueueOptions, field = "options"): ResolvedOptions {
  if (typeof options !== "object" || options === null) throw new ConfigurationError({ field, message: "must be an object such as { wait: \"5m\" }" });
  for (const key of Object.keys(options)) {
    if (!enqueueOptionKeys.has(key)) {
      throw new ConfigurationError({ field: `${field}.${key}`, message: `is not an enqueue option (use ${[...enqueueOptionKeys].join(", ")})` });
    }
  }
  if (options.wait !== undefined && options.waitUntil !== undefined) {
    throw new ConfigurationError({ field: `${field}.wait`, message: "give either wait or waitUntil, not both" });
  }
  let delayMs = 0;
  if (options.wait !== undefined) delayMs = toMilliseconds(options.wait, `${field}.wait`);
  if (options.waitUntil !== undefined) {
    if (!(options.waitUntil instanceof Date) || Number.isNaN(options.waitUntil.getTime())) {
      throw new ConfigurationError({ field: `${field}.waitUntil`, message: "must be a valid Date" });
    }
    delayMs = Math.max(0, options.waitUntil.getTime() - Date.now());
  }
  return {
    queue: validateQueueName(options.queue ?? definition.queue, `${field}.queue`),
    priority: validatePriority(options.priority ?? definition.priority, `${field}.priority`),
    delayMs,
    ...(options.orderingKey !== undefined && { orderingKey: validateKey(options.orderingKey, `${field}.orderingKey`) }),
    ...(options.dedupeKey !== undefined && { dedupeKey: validateKey(options.dedupeKey, `${field}.dedupeKey`) }),
    ...(options.transaction !== undefined && { transaction: validateTransaction(options.transaction) }),
    ...(options.timeout !== undefined && { timeoutMs: toTimeoutMilliseconds(options.timeout, `${field}.timeout`) }),
  };
}

function validateTransaction(transaction: unknown): unknown {
  if (typeof transaction !== "object" || transaction === null) {
    throw new ConfigurationError({ field: "options.transaction", message: "must be a database client with a transaction open (a pg client after BEGIN, a PGlite transaction)" });
  }
  return transaction;
}

function validateKey(key: unknown, field: string): string {
  const problem = keyTextProblem(key, 128);
  if (problem !== undefined) throw new ConfigurationError({ field, message: `must be ${problem}` });
  return key as string;
}

/** The batch's timestamps, formatted once for all its envelopes. */
function enqueueTimes(now: number, delayMs: number): { enqueuedAt: string; runAt?: string } {
  return delayMs > 0 ? { enqueuedAt: isoAt(now), runAt: new Date(now + delayMs).toISOString() } : { enqueuedAt: isoAt(now) };
}

let lastIsoMs = Number.NaN;
let lastIso = "";

/** `new Date(ms).toISOString()`, formatted once per millisecond: single enqueues come many to a millisecond. */
function isoAt(ms: number): string {
  if (ms !== lastIsoMs) {
    lastIso = new Date(ms).toISOString();
    lastIsoMs = ms;
  }
  return lastIso;
}

function buildEnvelope(definition: JobDefinition, args: unknown, options: ResolvedOptions, meta: Record<string, string>, times: { enqueuedAt: string; runAt?: string }, id?: string): Envelope {
  const serialized = serializeArgs(args);
  // Fields set one by one in the envelope's order, not spread in: no temporary object per optional field.
  const envelope: { -readonly [K in keyof Envelope]: Envelope[K] } = { hopper: ENVELOPE_FORMAT_VERSION, id: id ?? randomJobId(), job: definition.name, version: definition.version, args: serialized.json } as Envelope;
  if (serialized.meta !== undefined) envelope.argsMeta = serialized.meta;
  envelope.queue = options.queue;
  envelope.priority = options.priority;
  envelope.enqueuedAt = times.enqueuedAt;
  if (times.runAt !== undefined) envelope.runAt = times.runAt;
  envelope.attempt = 1;
  if (options.orderingKey !== undefined) envelope.orderingKey = options.orderingKey;
  if (options.dedupeKey !== undefined) envelope.dedupeKey = options.dedupeKey;
  if (options.timeoutMs !== undefined) envelope.timeoutMs = options.timeoutMs;
  envelope.meta = { ...meta };
  return envelope;
}
