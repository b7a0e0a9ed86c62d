import { timingSafeEqual } from "node:crypto";
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from "node:http";
import { isIP } from "node:net";
import { ConfigurationError } from "../errors/configuration-error.js";
import type { Logger } from "../logger.js";
import { toPositiveTimerMilliseconds, type Duration } from "../duration.js";

/**
 * Shared plumbing for push handlers (platforms that POST work to an app):
 * one handler function serves both the Node `(req, res)` style and the fetch
 * `(Request) => Response` style, with the body read under a size bound.
 */
export interface PushHttpRequest {
  readonly method: string;
  /** The request target: path and query, as the client sent it. */
  readonly url: string;
  /** A request header by lower-case name, or null. */
  header(name: string): string | null;
  readonly contentLength: number | undefined;
  readonly body: AsyncIterable<Uint8Array>;
  /** Aborted when the client goes away. */
  readonly signal: AbortSignal | undefined;
  /** The peer's IP address; only the Node form knows it. */
  readonly remoteAddress?: string | undefined;
  /** Whether the request reached this process over TLS (an https URL, or a TLS socket); a proxy in front may have ended TLS already. */
  readonly encrypted?: boolean;
}

export interface PushHttpAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly text: string;
}

export type PushHttpHandler = (request: PushHttpRequest) => Promise<PushHttpAnswer>;

export function pushAnswer(status: number, text: string, headers: Record<string, string> = {}): PushHttpAnswer {
  return { status, text, headers: text ? { "content-type": "text/plain; charset=utf-8", ...headers } : headers };
}

/** Fetch-style form: `(Request) => Response` (Hono, Next.js route handlers, Bun, Deno). */
export function toFetchHandler(handle: PushHttpHandler): (request: Request) => Promise<Response> {
  return async (request) => {
    const length = request.headers.get("content-length");
    const target = new URL(request.url);
    const answer = await answerSafely(handle, {
      method: request.method,
      url: `${target.pathname}${target.search}`,
      header: (name) => request.headers.get(name),
      contentLength: length === null ? undefined : Number(length),
      body: request.bodyUsed ? bodyReadBefore() : ((request.body ?? []) as AsyncIterable<Uint8Array>),
      signal: request.signal,
      encrypted: target.protocol === "https:",
    });
    try {
      return new Response(answer.text || null, { status: answer.status, headers: answer.headers });
    } catch {
      // A header value the platform refuses (a character outside a header's range, from an application's callback).
      return new Response(unanswerable.text, { status: unanswerable.status, headers: unanswerable.headers });
    }
  };
}

/** Node form: `(req, res)` for `http.createServer`, Express, Fastify's raw handlers. */
export function toNodeHandler(handle: PushHttpHandler): (request: IncomingMessage, response: ServerResponse) => Promise<void> {
  return async (request, response) => {
    const aborted = new AbortController();
    response.once("close", () => {
      if (!response.writableFinished) aborted.abort();
    });
    const length = request.headers["content-length"];
    const answer = await answerSafely(handle, {
      method: request.method ?? "GET",
      url: request.url ?? "/",
      header: (name) => {
        const value = request.headers[name.toLowerCase()];
        return value === undefined ? null : Array.isArray(value) ? value.join(", ") : value;
      },
      contentLength: length === undefined ? undefined : Number(length),
      body: nodeRequestBody(request),
      signal: aborted.signal,
      remoteAddress: request.socket?.remoteAddress,
      encrypted: (request.socket as { encrypted?: boolean } | undefined)?.encrypted === true,
    });
    // Answered before the body was read (413, 401): close, or the client would reuse a connection still carrying the rest of it.
    if (!request.complete) response.setHeader("connection", "close");
    try {
      response.writeHead(answer.status, answer.headers);
    } catch {
      // A header value Node refuses (ERR_INVALID_CHAR, from an application's callback) must not end the process: nothing was
      // sent yet, and the headers set before the refused one go with it.
      for (const name of response.getHeaderNames()) if (name !== "connection") response.removeHeader(name);
      // The refused call may have set its own reason phrase already ("See Other"): given here, it is this answer's.
      response.writeHead(unanswerable.status, STATUS_CODES[unanswerable.status]!, unanswerable.headers);
      response.end(unanswerable.text);
      return;
    }
    response.end(answer.text);
  };
}

/**
 * A request body someone read before the handler: a body parser mounted in front of it (express.json(),
 * express.urlencoded(), Cloud Functions). Read on, the stream is empty, and a job would run, or be dead-lettered,
 * with no body: the request is refused instead, so the platform delivers it again once the app is fixed.
 */
export class BodyReadBeforeError extends Error {
  constructor() {
    super("the request body was read before the handler by a body parser (express.json(), express.urlencoded(), …): mount the handler before any body parser, or on a route without one (express.raw() and express.text() are fine); deliver again");
    this.name = "BodyReadBeforeError";
  }
}

/** The stream that throws BodyReadBeforeError when read. */
async function* bodyReadBefore(): AsyncGenerator<Uint8Array> {
  yield* [];
  throw new BodyReadBeforeError();
}

/**
 * The Node request's body: its stream when nobody read it, else the bytes a parser kept (`rawBody`, as Cloud Functions
 * and several frameworks keep it; a Buffer or text `body`, as express.raw() and express.text() leave it), else a
 * stream that refuses (a parsed object is not the bytes the platform sent).
 */
function nodeRequestBody(request: IncomingMessage): AsyncIterable<Uint8Array> {
  const { rawBody, body, _body: parsedByExpress } = request as IncomingMessage & { rawBody?: unknown; body?: unknown; _body?: unknown };
  if (rawBody instanceof Uint8Array) return keptBytes(rawBody);
  if (!request.readableEnded && parsedByExpress !== true) return request;
  if (body instanceof Uint8Array) return keptBytes(body);
  if (typeof body === "string") return keptBytes(Buffer.from(body));
  return bodyReadBefore();
}

async function* keptBytes(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
  yield bytes;
}

/** The answer in place of one whose headers could not be sent. */
const unanswerable = pushAnswer(500, "the answer could not be sent (a header value held characters HTTP does not allow)");

/**
 * A handler that throws (a body stream that errors, a bug) must still answer:
 * an unanswered request hangs the platform, and in the Node form the rejection
 * would go unhandled and end the process. 500 makes the platform deliver again.
 */
async function answerSafely(handle: PushHttpHandler, request: PushHttpRequest): Promise<PushHttpAnswer> {
  try {
    return await handle(request);
  } catch (error) {
    return pushAnswer(500, error instanceof BodyReadBeforeError ? error.message : "the request could not be handled; deliver again");
  }
}

/** What a push handler does once the platform is known to have sent the request. */
export interface PushEndpoint {
  /** Who sent the request, decided from its line and headers; an answer refuses it. */
  readonly authenticate: (request: PushHttpRequest) => PushHttpAnswer | undefined | Promise<PushHttpAnswer | undefined>;
  readonly maxBodyBytes: number;
  /** Requests handled at once; more are answered 503 unread. */
  readonly maxConcurrent: number;
  /** Runs the body of an authenticated request. */
  readonly handle: (request: PushHttpRequest, body: string) => Promise<PushHttpAnswer>;
  /** Where a body read before the handler is reported (the application's mistake, which only its logs show). */
  readonly logger?: Logger;
}

/**
 * The order every push handler keeps, so a stranger costs as little as
 * possible: POST only; then who sent it, before a byte of the body is read;
 * then a slot among `maxConcurrent` (503 beyond: Pub/Sub push redelivers with
 * backoff, sqsd after the visibility timeout); then the body, under its bound.
 */
export function createPushEndpoint(endpoint: PushEndpoint): PushHttpHandler {
  const { maxBodyBytes, maxConcurrent } = endpoint;
  const tooLarge = () => pushAnswer(413, `body over ${maxBodyBytes} bytes`);
  let running = 0;
  return async (request) => {
    if (request.method !== "POST") return pushAnswer(405, "push requests are POSTs", { allow: "POST" });
    const refused = await endpoint.authenticate(request);
    if (refused) return refused;
    if (request.contentLength !== undefined && request.contentLength > maxBodyBytes) return tooLarge();
    if (running >= maxConcurrent) return pushAnswer(503, `busy: ${maxConcurrent} requests running (maxConcurrent); deliver again`, { "retry-after": "1" });
    running += 1;
    try {
      const body = await readBoundedBody(request.body, maxBodyBytes);
      return body === undefined ? tooLarge() : await endpoint.handle(request, body);
    } catch (error) {
      if (error instanceof BodyReadBeforeError) endpoint.logger?.error(`push request refused: ${error.message}`, { url: request.url });
      throw error;
    } finally {
      running -= 1;
    }
  };
}

/** A positive integer option with its default, or a ConfigurationError naming it. */
export function positiveIntegerOption(field: string, value: unknown, defaultValue: number): number {
  const chosen = value ?? defaultValue;
  if (typeof chosen !== "number" || !Number.isSafeInteger(chosen) || chosen < 1) throw new ConfigurationError({ field, message: `must be a positive integer, got ${JSON.stringify(value)}` });
  return chosen;
}

/** `insecureNoAuth` is true or absent: any other value is a typo or a string from the environment. */
export function insecureNoAuthOption(value: unknown): boolean {
  if (value === undefined || value === false) return false;
  if (value === true) return true;
  throw new ConfigurationError({ field: "insecureNoAuth", message: `must be true (to accept requests from anyone) or left out, got ${JSON.stringify(value)}` });
}

/**
 * Every address the request names: the peer (Node form only) and each entry a
 * proxy recorded in X-Forwarded-For, X-Real-IP or Forwarded. A client can add
 * entries but cannot remove the one its proxy appends, so judging all of them
 * refuses an outside client behind any proxy that records it (EB's nginx does).
 */
export function addressesOf(request: PushHttpRequest): string[] {
  const addresses = request.remoteAddress === undefined ? [] : [request.remoteAddress];
  for (const name of ["x-forwarded-for", "x-real-ip"]) {
    const value = request.header(name);
    if (value !== null) addresses.push(...value.split(",").map((entry) => entry.trim()));
  }
  const forwarded = request.header("forwarded");
  if (forwarded !== null) {
    for (const element of forwarded.split(",")) {
      const forPair = element.split(";").map((pair) => pair.trim()).find((pair) => pair.toLowerCase().startsWith("for="));
      // RFC 7239: for="[2001:db8::1]:4711", for=192.0.2.1, or an obfuscated name (never loopback).
      addresses.push(forPair === undefined ? "" : forPair.slice(4).replace(/^"|"$/g, "").replace(/^\[([^\]]*)\](:\d+)?$/, "$1"));
    }
  }
  return addresses;
}

/**
 * An IPv4-mapped IPv6 address ("::ffff:192.0.2.1", as a server listening on "::" sees an IPv4 peer) as its IPv4
 * address; any other address as it is.
 */
export function unmappedAddress(address: string): string {
  const rest = address.slice(7);
  return address.slice(0, 7).toLowerCase() === "::ffff:" && isIP(rest) === 4 ? rest : address;
}

/** True for 127.0.0.0/8 and ::1, also in their IPv4-mapped IPv6 forms. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const ipv4 = unmappedAddress(address);
  return (isIP(ipv4) === 4 && ipv4.startsWith("127.")) || address === "::1";
}

/** The body as UTF-8 text, or undefined once it grows past `maxBytes` (reading stops there). */
export async function readBoundedBody(body: AsyncIterable<Uint8Array>, maxBytes: number): Promise<string | undefined> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > maxBytes) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Compares a presented secret with the expected one in constant time (the length is not hidden). */
export function secretMatches(presented: string | null, expected: string): boolean {
  if (presented === null) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * A push handler's `exitOnHungJob` in ms (undefined when not given): once a job ignores its timeout this long, the
 * process exits with code 70 so its platform replaces it; a hung job would otherwise hold its request slot for good.
 */
export function hungJobExitOption(value: Duration | undefined): number | undefined {
  return value === undefined ? undefined : toPositiveTimerMilliseconds(value, "exitOnHungJob");
}
