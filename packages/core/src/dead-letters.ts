import { randomUUID } from "node:crypto";
import type { Backend, ReceivedMessage } from "./backend/backend.js";
import { sendInBatches } from "./backend/send-in-batches.js";
import { decodeEnvelope, encodeEnvelope, type Envelope } from "./envelope/envelope.js";
import { MAX_TIMER_MS } from "./duration.js";
import { ConfigurationError } from "./errors/configuration-error.js";
import { PayloadTooLargeError } from "./errors/payload-too-large-error.js";
import { deadLetterQueueName, validateQueueName } from "./names.js";
import { rejectUnknownOptions } from "./option-keys.js";
import { redactSecrets, safeErrorName } from "./redaction.js";

/** Format version of a dead letter's body (documented in docs/envelope.md). */
export const DEAD_LETTER_FORMAT_VERSION = 1 as const;

/** What the core stores in `<queue>-dead` when it gives up on a message. */
export interface DeadLetter {
  readonly hopperDeadLetter: typeof DEAD_LETTER_FORMAT_VERSION;
  readonly id: string;
  /** The queue the message failed on. */
  readonly queue: string;
  readonly job: string | null;
  readonly reason: string;
  readonly error: { readonly name: string; readonly message: string };
  readonly attempt: number | null;
  readonly failedAt: string;
  /** The decoded envelope, when the body was one. */
  readonly envelope: Envelope | null;
  /**
   * The raw body when it could not be decoded, or when the dead letter would
   * not fit the queue whole: then cut, ending in "…[cut by hopper: N
   * characters dropped to fit L bytes]".
   */
  readonly body: string | null;
}

/** `body`: the raw body, needed when there is no envelope; without it, a dead letter too large is cut from the envelope re-encoded. */
export function buildDeadLetter(input: { queue: string; messageId: string; envelope: Envelope | null; body: string | undefined; reason: string; error: unknown; attempt: number | null; maxPayloadBytes: number }): DeadLetter {
  const error = input.error instanceof Error ? input.error : new Error(String(input.error));
  const deadLetter: DeadLetter = {
    hopperDeadLetter: DEAD_LETTER_FORMAT_VERSION,
    id: input.envelope?.id ?? input.messageId,
    queue: input.queue,
    job: input.envelope?.job ?? null,
    reason: input.reason,
    // Dead letters are stored and shown (dashboards, peek): a driver error quoting its connection string must not keep the password.
    error: { name: safeErrorName(error.name), message: redactSecrets(error.message).slice(0, 2000) },
    attempt: input.attempt,
    failedAt: new Date().toISOString(),
    envelope: input.envelope,
    body: input.envelope ? null : (input.body ?? null),
  };
  return fitDeadLetter(deadLetter, input.maxPayloadBytes, input.body ?? encodeOrNull(input.envelope));
}

function encodeOrNull(envelope: Envelope | null): string | null {
  try {
    return envelope && encodeEnvelope(envelope);
  } catch {
    return null;
  }
}

/** Bytes of `deadLetter` as sent; Infinity when its envelope cannot re-encode (too deep, say). */
function encodedBytes(deadLetter: DeadLetter): number {
  try {
    return Buffer.byteLength(JSON.stringify(deadLetter));
  } catch {
    return Infinity;
  }
}

/**
 * `deadLetter` within `limitBytes`: as it is when it fits, else with the raw
 * body instead of the envelope, cut with a marker saying so. The diagnosis
 * (reason, error, attempt) is always kept, so a dead letter is always writable.
 */
export function fitDeadLetter(deadLetter: DeadLetter, limitBytes: number, rawBody: string | null = deadLetter.body ?? encodeOrNull(deadLetter.envelope)): DeadLetter {
  if (encodedBytes(deadLetter) <= limitBytes) return deadLetter;
  const raw = rawBody ?? "";
  const whole: DeadLetter = { ...deadLetter, envelope: null, body: raw };
  if (encodedBytes(whole) <= limitBytes) return whole;
  const cutTo = (kept: number): DeadLetter => ({ ...whole, body: `${raw.slice(0, kept)}…[cut by hopper: ${raw.length - kept} characters dropped to fit ${limitBytes} bytes]` });
  // What the letter takes without any of the body: the rest is the body's, at its own bytes per character (an escaped
  // control character is 6 bytes of JSON, a multi-byte one 2 to 4), so each step cuts by bytes, not by characters.
  const withoutBody = encodedBytes(cutTo(0));
  let kept = raw.length;
  for (;;) {
    const cut = cutTo(kept);
    const bytes = encodedBytes(cut);
    const overflow = bytes - limitBytes;
    if (overflow <= 0 || kept === 0) return cut;
    const bytesPerCharacter = Math.max(1, (bytes - withoutBody) / kept);
    // At least one character fewer each step, so this ends.
    kept = Math.max(0, Math.min(kept - 1, Math.floor(kept - overflow / bytesPerCharacter)));
  }
}

/** Sends `deadLetter`, cut further when the queue's own limit is below the backend's declared one. */
export async function sendDeadLetter(backend: Backend, deadLetter: DeadLetter): Promise<void> {
  const send = async (letter: DeadLetter) => (await sendInBatches(backend, [{ id: randomUUID(), queue: deadLetterQueueName(letter.queue), body: JSON.stringify(letter) }]))[0];
  let result = await send(deadLetter);
  if (result?.status === "failed" && PayloadTooLargeError.isInstance(result.error)) result = await send(fitDeadLetter(deadLetter, result.error.limitBytes));
  if (result?.status === "failed") throw result.error;
}

/** Which dead letters `take` and `retry` act on. */
export interface DeadLetterSelection {
  /** How many to receive (at most the backend's receive batch). Default 10. */
  readonly max?: number;
  readonly waitMs?: number;
  /** Only these, by job id (`DeadLetter.id`), among the `max` received; the others are left in place. */
  readonly ids?: readonly string[];
}

/** One letter `retryEach` handled: moved back to its queue, or left in place and why. */
export type DeadLetterRetryOutcome = { readonly letter: DeadLetter; readonly moved: true } | { readonly letter: DeadLetter; readonly moved: false; readonly reason: string };

/** Inspection and retry of one queue's dead letters. */
export class DeadLetters {
  constructor(
    private readonly backend: () => Promise<Backend>,
    private readonly queue: string,
    /** Forgets the job records of letters taken for good (records on); never throws. */
    private readonly forgetRecords: (ids: readonly string[]) => Promise<void> = async () => {},
  ) {
    validateQueueName(queue, "deadLetters(queue)");
  }

  /** Returns up to `max` dead letters and leaves them in place. */
  async peek(options: { max?: number; waitMs?: number } = {}): Promise<DeadLetter[]> {
    checkSelection(options, "deadLetters().peek()", ["max", "waitMs"]);
    const messages = await this.receive(options);
    await this.handBack(messages);
    return messages.map(readDeadLetter);
  }

  /**
   * Removes and returns up to `max` dead letters; with `ids`, only those (by job id) among the `max` received, the rest left in place.
   * With records on, their jobs' records go too, so `jobs.list({ state: "dead" })` stops listing them.
   */
  async take(options: DeadLetterSelection = {}): Promise<DeadLetter[]> {
    checkSelection(options, "deadLetters().take()", selectionKeys);
    const messages = await this.select(await this.receive(options), options.ids);
    await Promise.all(messages.map((message) => message.ack()));
    const taken = messages.map(readDeadLetter);
    await this.forgetRecords(taken.map((letter) => letter.id));
    return taken;
  }

  /**
   * Moves up to `max` dead letters back to their queue as fresh first attempts; returns how many. Letters it may not
   * move are left in place (see `retryEach`), and it goes on past them.
   */
  async retry(options: DeadLetterSelection = {}): Promise<number> {
    let moved = 0;
    for await (const outcome of this.retryEach(options)) if (outcome.moved) moved += 1;
    return moved;
  }

  /**
   * `retry`, one letter at a time: yields each letter it moved, and each it left in place with the reason, until
   * `max` moved or the dead-letter queue has no more. Left in place: undecodable bodies, envelopes that name another
   * queue (they would only be dead-lettered again, and must not be rewritten to run here), and letters whose send
   * the backend refused. They stay leased while it goes on, so the receives after reach the letters behind them, and
   * are handed back when it ends (stopping the iteration early included). A letter is yielded once.
   */
  async *retryEach(options: DeadLetterSelection = {}): AsyncGenerator<DeadLetterRetryOutcome, void, undefined> {
    checkSelection(options, "deadLetters().retryEach()", selectionKeys);
    const backend = await this.backend();
    const max = options.max ?? 10;
    const held = new Map<string, ReceivedMessage>();
    let moved = 0;
    try {
      while (moved < max && held.size < heldLettersBound) {
        const messages = await this.select(await this.receive({ max: max - moved, waitMs: options.waitMs }), options.ids);
        if (messages.length === 0) return;
        for (const message of messages) {
          const letter = readDeadLetter(message);
          const leftBecause = await this.moveBack(backend, message, letter);
          if (leftBecause === undefined) {
            moved += 1;
            yield { letter, moved: true };
            continue;
          }
          const seen = held.has(message.id);
          // A hold that lapsed brought the letter back: the newer lease is the one to hand back.
          held.set(message.id, message);
          if (!seen) yield { letter, moved: false, reason: leftBecause };
        }
        // With ids, the letters named are looked for among one receive.
        if (options.ids !== undefined) return;
      }
    } finally {
      await this.handBack([...held.values()]).catch(() => {});
    }
  }

  /** Sends the letter's job back and acks the letter; or says why it may not (the letter is not acked). */
  private async moveBack(backend: Backend, message: ReceivedMessage, letter: DeadLetter): Promise<string | undefined> {
    const envelope = retryableEnvelope(letter);
    if (typeof envelope === "string") return envelope;
    if (envelope.queue !== this.queue) return `its envelope names queue ${JSON.stringify(envelope.queue)}, not ${this.queue}`;
    const { runAt: _runAt, ...fresh } = envelope;
    const [result] = await sendInBatches(backend, [{ id: envelope.id, queue: this.queue, body: encodeEnvelope(fresh) }]);
    if (result?.status === "failed") return `the backend refused its send: ${result.error instanceof Error ? result.error.message : String(result.error)}`;
    await message.ack();
    return undefined;
  }

  /** The messages `ids` names (all without `ids`); the others go back at once. */
  private async select(messages: ReceivedMessage[], ids: readonly string[] | undefined): Promise<ReceivedMessage[]> {
    if (ids === undefined) return messages;
    const wanted = new Set(ids);
    const chosen = messages.filter((message) => wanted.has(readDeadLetter(message).id));
    await this.handBack(messages.filter((message) => !chosen.includes(message)));
    return chosen;
  }

  /**
   * Makes letters this call only looked at visible again at once, their delivery uncounted where the backend takes it
   * back in place (`nackBody` backends: memory, Redis, PostgreSQL): a look is no delivery. SQS's uncounted nack sends
   * a copy and deletes the letter, which would reorder the letters and renew their retention at every look; there a
   * look counts.
   */
  private async handBack(messages: readonly ReceivedMessage[]): Promise<void> {
    if (messages.length === 0) return;
    const { uncountedNack, nackBody } = (await this.backend()).capabilities;
    const options = uncountedNack && nackBody ? { retryAfterMs: 0, countAttempt: false } : { retryAfterMs: 0 };
    // Every hand-back is tried before the first failure is reported.
    const failure = (await Promise.allSettled(messages.map((message) => message.nack(options)))).find((outcome) => outcome.status === "rejected");
    if (failure !== undefined) throw failure.reason;
  }

  private async receive(options: { max?: number; waitMs?: number }): Promise<ReceivedMessage[]> {
    const backend = await this.backend();
    return backend.receive({
      queue: deadLetterQueueName(this.queue),
      maxMessages: Math.min(options.max ?? 10, backend.capabilities.maxReceiveBatch),
      waitMs: options.waitMs ?? 0,
      leaseMs: Math.max(30_000, backend.capabilities.minLeaseMs),
    });
  }
}

const selectionKeys = ["max", "waitMs", "ids"] as const;

/**
 * Checked before receiving: a bad argument must not leave letters leased, and a misspelt or negative `max` must not
 * fall back to the default in silence (a receive of -1 or NaN messages means nothing on any backend).
 */
function checkSelection(options: unknown, call: string, known: readonly string[]): void {
  if (typeof options !== "object" || options === null || Array.isArray(options)) throw new ConfigurationError({ field: "options", message: `${call} takes an object such as { max: 10 }, got ${JSON.stringify(options) ?? String(options)}` });
  rejectUnknownOptions(options, known, call);
  const { max, waitMs, ids } = options as DeadLetterSelection;
  if (max !== undefined && (!Number.isInteger(max) || max < 1)) throw new ConfigurationError({ field: "max", message: `must be a whole number ≥ 1 (how many dead letters to receive; at most the backend's receive batch is used), got ${JSON.stringify(max) ?? String(max)}` });
  if (waitMs !== undefined && (!Number.isInteger(waitMs) || waitMs < 0 || waitMs > MAX_TIMER_MS)) throw new ConfigurationError({ field: "waitMs", message: `must be whole milliseconds from 0 to ${MAX_TIMER_MS}, got ${JSON.stringify(waitMs) ?? String(waitMs)}` });
  if (ids !== undefined && (!Array.isArray(ids) || ids.some((id) => typeof id !== "string"))) throw new ConfigurationError({ field: "ids", message: "must be a list of job ids (strings), as peek() shows them" });
}

const notADeadLetter = "not a Hopper dead letter";

/** Most letters `retryEach` holds while it goes past them: a queue of nothing else ends it there, not in memory. */
const heldLettersBound = 1000;

/** The dead letter a message holds; anything else written to a dead-letter queue is reported as such, not thrown. */
function readDeadLetter(message: ReceivedMessage): DeadLetter {
  try {
    const parsed = JSON.parse(message.body) as unknown;
    if (isDeadLetter(parsed)) return parsed;
  } catch {
    // falls through to the stand-in below
  }
  return { hopperDeadLetter: DEAD_LETTER_FORMAT_VERSION, id: message.id, queue: "", job: null, reason: notADeadLetter, error: { name: "MalformedEnvelopeError", message: "the dead-letter queue held a body Hopper did not write" }, attempt: null, failedAt: new Date().toISOString(), envelope: null, body: message.body };
}

/** A body as `buildDeadLetter` writes it, in the fields callers read; a hand-made one missing any is reported as no dead letter. */
function isDeadLetter(value: unknown): value is DeadLetter {
  if (typeof value !== "object" || value === null) return false;
  const letter = value as Record<string, unknown>;
  const error = letter.error as Record<string, unknown> | null | undefined;
  return (
    letter.hopperDeadLetter === DEAD_LETTER_FORMAT_VERSION &&
    typeof letter.id === "string" &&
    letter.id !== "" &&
    typeof letter.queue === "string" &&
    (letter.job === null || typeof letter.job === "string") &&
    typeof letter.reason === "string" &&
    typeof error === "object" &&
    error !== null &&
    typeof error.name === "string" &&
    typeof error.message === "string" &&
    (letter.attempt === null || typeof letter.attempt === "number") &&
    typeof letter.failedAt === "string" &&
    (letter.envelope === null || (typeof letter.envelope === "object" && !Array.isArray(letter.envelope))) &&
    // buildDeadLetter writes `body: null` beside an envelope.
    (letter.body === undefined || letter.body === null || typeof letter.body === "string")
  );
}

/** A fresh first attempt of the dead letter's envelope, or why there is none. */
function retryableEnvelope(deadLetter: DeadLetter): Envelope | string {
  if (!deadLetter.envelope) return deadLetter.reason === notADeadLetter ? notADeadLetter : "it holds no job Hopper could decode";
  try {
    return decodeEnvelope(encodeEnvelope({ ...deadLetter.envelope, attempt: 1 }));
  } catch (error) {
    return `its job does not decode: ${error instanceof Error ? error.message : String(error)}`;
  }
}
