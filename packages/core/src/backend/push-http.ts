import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * Shared plumbing for push handlers (platforms that POST work to an app):
 * one handler function serves both the Node `(req, res)` style and the fetch
 * `(Request) => Response` style, with the body read under a size bound.
 */
export interface PushHttpRequest {
  readonly method: string;
  /** A request header by lower-case name, or null. */
  header(name: string): string | null;
  readonly contentLength: number | undefined;
  readonly body: AsyncIterable<Uint8Array>;
  /** Aborted when the client goes away. */
  readonly signal: AbortSignal | undefined;
  /** The peer's IP address; only the Node form knows it. */
  readonly remoteAddress?: string | undefined;
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
    const answer = await answerSafely(handle, {
      method: request.method,
      header: (name) => request.headers.get(name),
      contentLength: length === null ? undefined : Number(length),
      body: (request.body ?? []) as AsyncIterable<Uint8Array>,
      signal: request.signal,
    });
    return new Response(answer.text || null, { status: answer.status, headers: answer.headers });
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
      header: (name) => {
        const value = request.headers[name.toLowerCase()];
        return value === undefined ? null : Array.isArray(value) ? value.join(", ") : value;
      },
      contentLength: length === undefined ? undefined : Number(length),
      body: request,
      signal: aborted.signal,
      remoteAddress: request.socket?.remoteAddress,
    });
    // Answered before the body was read (413, 401): close, or the client would reuse a connection still carrying the rest of it.
    if (!request.complete) response.setHeader("connection", "close");
    response.writeHead(answer.status, answer.headers).end(answer.text);
  };
}

/**
 * A handler that throws (a body stream that errors, a bug) must still answer:
 * an unanswered request hangs the platform, and in the Node form the rejection
 * would go unhandled and end the process. 500 makes the platform deliver again.
 */
async function answerSafely(handle: PushHttpHandler, request: PushHttpRequest): Promise<PushHttpAnswer> {
  try {
    return await handle(request);
  } catch {
    return pushAnswer(500, "the request could not be handled; deliver again");
  }
}

/** True for 127.0.0.0/8 and ::1, also in their IPv4-mapped IPv6 forms. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  const ipv4 = address.startsWith("::ffff:") ? address.slice(7) : address;
  return ipv4.startsWith("127.") || address === "::1";
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

/** Compares a presented secret with the expected one in constant time. */
export function secretMatches(presented: string | null, expected: string): boolean {
  if (presented === null) return false;
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
