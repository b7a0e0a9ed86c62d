import { MalformedEnvelopeError } from "../errors/malformed-envelope-error.js";
import { MAX_TIMEOUT_MS } from "../job-timeout.js";

/** The wire format's own version; bump only with an upgrade path (docs/envelope.md). */
export const ENVELOPE_FORMAT_VERSION = 1 as const;

/** Longest body the decoder will parse, whatever the backend allows. */
export const MAX_ENVELOPE_BYTES = 16 * 1024 * 1024;

/** Longest job id a decoder takes: Hopper's own are 36 characters; `hopper.jobs.get` looks up at most this many. */
export const MAX_ENVELOPE_ID_LENGTH = 512;

/** Deeper JSON would overflow the stack in the recursive steps after parsing (args decoding, dead letters). */
export const MAX_NESTING_DEPTH = 256;

/** What travels in every message body. Documented in docs/envelope.md. */
export interface Envelope {
  readonly hopper: typeof ENVELOPE_FORMAT_VERSION;
  readonly id: string;
  readonly job: string;
  /** The job's payload schema version (`static version`). */
  readonly version: number;
  readonly args: unknown;
  /** superjson type annotations for `args`; absent when args are plain JSON. */
  readonly argsMeta?: unknown;
  readonly queue: string;
  readonly priority: number;
  readonly enqueuedAt: string;
  /** When the job may start; absent means as soon as possible. */
  readonly runAt?: string;
  /** 1 for the first run; the core adds the backend's redeliveries to it. */
  readonly attempt: number;
  readonly orderingKey?: string;
  readonly dedupeKey?: string;
  /** A timeout given at enqueue (`set({ timeout })`), in place of the class's; milliseconds. */
  readonly timeoutMs?: number;
  readonly meta: Readonly<Record<string, string>>;
}

export function encodeEnvelope(envelope: Envelope): string {
  return JSON.stringify(envelope);
}

/** Strings the caller already holds (the message's id, the queue it came from), shared by the envelope when equal. */
export interface HeldStrings {
  readonly id?: string;
  readonly queue?: string;
}

/**
 * Parses and checks a message body; every failure is a MalformedEnvelopeError naming the field. Fields equal
 * to `held` strings point at those rather than at fresh copies (a running job holds its envelope).
 */
export function decodeEnvelope(body: string, held: HeldStrings = {}): Envelope {
  if (body.length > MAX_ENVELOPE_BYTES) {
    throw new MalformedEnvelopeError({ message: `message body is ${body.length} characters, over the decoder's limit of ${MAX_ENVELOPE_BYTES}` });
  }
  if (nestingDepthExceeds(body, MAX_NESTING_DEPTH)) {
    throw new MalformedEnvelopeError({ message: `message body is nested deeper than ${MAX_NESTING_DEPTH} levels` });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    // V8 quotes a slice of the body in its message, and the body holds the job's args: keep only the diagnosis.
    const reason = (error as Error).message.replace(/, (\.\.\.)?"[\s\S]*"(\.\.\.)? is not valid JSON$/, "");
    throw new MalformedEnvelopeError({ message: `message body is not JSON: ${reason}` });
  }
  if (!isPlainObject(parsed)) {
    throw new MalformedEnvelopeError({ message: "message body is not a JSON object" });
  }
  if (parsed.hopper !== ENVELOPE_FORMAT_VERSION) {
    throw new MalformedEnvelopeError({
      field: "hopper",
      message: `envelope format ${describe(parsed.hopper)} is not supported (this worker reads format ${ENVELOPE_FORMAT_VERSION})`,
    });
  }
  const id = requireIdentifier(parsed, "id", MAX_ENVELOPE_ID_LENGTH);
  const queue = requireIdentifier(parsed, "queue");
  // Only the fields the body has: a running job holds its envelope, and most carry none of the optional ones.
  const envelope: { -readonly [K in keyof Envelope]: Envelope[K] } = {
    hopper: ENVELOPE_FORMAT_VERSION,
    id: id === held.id ? held.id : id,
    job: requireIdentifier(parsed, "job"),
    version: integerOrDefault(parsed, "version", 1, 1),
    args: parsed.args,
    queue: queue === held.queue ? held.queue : queue,
    priority: integerOrDefault(parsed, "priority", 0, Number.MIN_SAFE_INTEGER),
    enqueuedAt: requireTimestamp(parsed, "enqueuedAt"),
    attempt: integerOrDefault(parsed, "attempt", 1, 1),
    meta: requireStringRecord(parsed, "meta"),
  };
  if (parsed.argsMeta !== undefined) envelope.argsMeta = parsed.argsMeta;
  if (parsed.runAt !== undefined) envelope.runAt = requireTimestamp(parsed, "runAt");
  if (parsed.orderingKey !== undefined) envelope.orderingKey = requireString(parsed, "orderingKey");
  if (parsed.dedupeKey !== undefined) envelope.dedupeKey = requireString(parsed, "dedupeKey");
  if (parsed.timeoutMs !== undefined) envelope.timeoutMs = requireInteger(parsed, "timeoutMs", 1, MAX_TIMEOUT_MS);
  if (!("args" in parsed)) throw new MalformedEnvelopeError({ field: "args", message: "envelope field args is missing" });
  return envelope;
}

/**
 * Counts bracket depth outside strings, without recursion. A text no longer than `limit` cannot open more
 * than `limit` brackets, so it is not scanned; strings are skipped with indexOf rather than a character at a time.
 */
function nestingDepthExceeds(text: string, limit: number): boolean {
  if (text.length <= limit) return false;
  let depth = 0;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code === 0x22) index = closingQuote(text, index);
    else if (code === 0x5b || code === 0x7b) {
      if (++depth > limit) return true;
    } else if (code === 0x5d || code === 0x7d) depth--;
  }
  return false;
}

/** Where the string opened at `open` ends: the next quote not escaped (an even run of backslashes before it); the text's end if none. */
function closingQuote(text: string, open: number): number {
  for (let quote = text.indexOf('"', open + 1); quote !== -1; quote = text.indexOf('"', quote + 1)) {
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === 0x5c) backslashes++;
    if (backslashes % 2 === 0) return quote;
  }
  return text.length;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * A string that names something a store keys or indexes (a job's id, its name, its queue): no NUL, which PostgreSQL's
 * text cannot hold (a record write would fail at every delivery), and an id no longer than `hopper.jobs.get` looks up
 * (its 512 characters stay within a PostgreSQL index row at any UTF-8 width).
 */
function requireIdentifier(object: Record<string, unknown>, field: string, maxLength = Number.POSITIVE_INFINITY): string {
  const value = requireString(object, field);
  if (value.includes("\u0000")) throw new MalformedEnvelopeError({ field, message: `envelope field ${field} holds a NUL character` });
  if (value.length > maxLength) throw new MalformedEnvelopeError({ field, message: `envelope field ${field} is ${value.length} characters, over ${maxLength}` });
  return value;
}

function requireString(object: Record<string, unknown>, field: string): string {
  const value = object[field];
  if (typeof value !== "string" || value.length === 0) {
    throw new MalformedEnvelopeError({ field, message: `envelope field ${field} must be a non-empty string, got ${describe(value)}` });
  }
  return value;
}

function requireInteger(object: Record<string, unknown>, field: string, minimum: number, maximum = Number.MAX_SAFE_INTEGER): number {
  const value = object[field];
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < minimum || value > maximum) {
    const range = maximum === Number.MAX_SAFE_INTEGER ? `≥ ${minimum}` : `from ${minimum} to ${maximum}`;
    throw new MalformedEnvelopeError({ field, message: `envelope field ${field} must be a safe integer ${range}, got ${describe(value)}` });
  }
  return value;
}

/**
 * A field a writer may leave out when it holds its default (docs/envelope.md: read as the default since 2026-12-06,
 * so that a later release can stop writing them once no older reader runs); present, it is checked as before.
 */
function integerOrDefault(object: Record<string, unknown>, field: string, fallback: number, minimum: number): number {
  return object[field] === undefined ? fallback : requireInteger(object, field, minimum);
}

function requireTimestamp(object: Record<string, unknown>, field: string): string {
  const value = requireString(object, field);
  if (Number.isNaN(Date.parse(value))) {
    throw new MalformedEnvelopeError({ field, message: `envelope field ${field} must be an ISO 8601 timestamp, got ${describe(value)}` });
  }
  return value;
}

// Most envelopes carry no meta: they share this one rather than each holding a dictionary-mode object (~200 bytes per held job).
const emptyStringRecord: Readonly<Record<string, string>> = Object.freeze(Object.create(null) as Record<string, string>);

function requireStringRecord(object: Record<string, unknown>, field: string): Readonly<Record<string, string>> {
  const value = object[field] ?? {};
  if (!isPlainObject(value) || Object.values(value).some((entry) => typeof entry !== "string")) {
    throw new MalformedEnvelopeError({ field, message: `envelope field ${field} must be an object of strings` });
  }
  if (Object.keys(value).length === 0) return emptyStringRecord;
  // A fresh null-prototype copy: a "__proto__" key stays an ordinary key.
  return Object.assign(Object.create(null) as Record<string, string>, value);
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
