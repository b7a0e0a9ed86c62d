import type { IncomingMessage, ServerResponse } from "node:http";
import { ConfigurationError, type Hopper, type PushOutcome } from "@hopper/core";
import { createPushVerifier, type PushVerification } from "./pubsub-push-auth.js";
import { ID_ATTRIBUTE } from "./pubsub-receive.js";

export interface PubSubPushHandlerOptions {
  /** Runs the pushed jobs (its backend takes dead letters and re-delays). */
  readonly hopper: Pick<Hopper, "runMessage">;
  /** The queue this endpoint serves. Default: the push body's subscription id without `topicPrefix`. */
  readonly queue?: string;
  /** As given to createPubSubBackend; used to find the queue from the subscription id. Default "hopper-". */
  readonly topicPrefix?: string;
  /** Verify the OIDC bearer token of authenticated push subscriptions; off when omitted. */
  readonly verify?: PushVerification;
  /** Larger bodies are refused with 413 unread. Default 14 MiB (a 10 MB message, base64-encoded, plus JSON). */
  readonly maxBodyBytes?: number;
}

/** The parts of an HTTP exchange the handler needs, from either server style. */
interface PushRequest {
  readonly method: string;
  readonly authorization: string | null;
  readonly contentLength: number | undefined;
  readonly body: AsyncIterable<Uint8Array>;
  readonly signal: AbortSignal | undefined;
}

interface PushAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly text: string;
}

interface PushBody {
  readonly message?: { readonly data?: string; readonly attributes?: Record<string, string>; readonly messageId?: string; readonly message_id?: string };
  readonly subscription?: string;
  readonly deliveryAttempt?: number;
}

/** Fetch-style handler (Cloud Run with Hono, Next.js route handlers, Deno, Bun): `(Request) => Response`. */
export function createPubSubPushHandler(options: PubSubPushHandlerOptions): (request: Request) => Promise<Response> {
  const handle = createPushCore(options);
  return async (request) => {
    const length = request.headers.get("content-length");
    const answer = await handle({
      method: request.method,
      authorization: request.headers.get("authorization"),
      contentLength: length === null ? undefined : Number(length),
      body: (request.body ?? []) as AsyncIterable<Uint8Array>,
      signal: request.signal,
    });
    return new Response(answer.text || null, { status: answer.status, headers: answer.headers });
  };
}

/** Node handler for `http.createServer`, Express, Cloud Functions: `(req, res)`. */
export function createPubSubPushNodeHandler(options: PubSubPushHandlerOptions): (request: IncomingMessage, response: ServerResponse) => Promise<void> {
  const handle = createPushCore(options);
  return async (request, response) => {
    const aborted = new AbortController();
    response.once("close", () => {
      if (!response.writableFinished) aborted.abort();
    });
    const length = request.headers["content-length"];
    const answer = await handle({
      method: request.method ?? "GET",
      authorization: request.headers.authorization ?? null,
      contentLength: length === undefined ? undefined : Number(length),
      body: request,
      signal: aborted.signal,
    });
    response.writeHead(answer.status, answer.headers).end(answer.text);
  };
}

function createPushCore(options: PubSubPushHandlerOptions): (request: PushRequest) => Promise<PushAnswer> {
  const maxBodyBytes = options.maxBodyBytes ?? 14 * 1024 * 1024;
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes < 1) throw new ConfigurationError({ field: "maxBodyBytes", message: `must be a positive integer, got ${JSON.stringify(options.maxBodyBytes)}` });
  if (typeof options.hopper?.runMessage !== "function") throw new ConfigurationError({ field: "hopper", message: "give the Hopper instance that runs the jobs: createPubSubPushHandler({ hopper })" });
  const verify = options.verify ? createPushVerifier(options.verify) : undefined;
  const topicPrefix = options.topicPrefix ?? "hopper-";

  return async (request) => {
    if (request.method !== "POST") return answer(405, "push requests are POSTs", { allow: "POST" });
    if (verify) {
      const auth = await verify(request.authorization);
      if (!auth.ok) return answer(auth.status, auth.reason, auth.status === 401 ? { "www-authenticate": "Bearer" } : {});
    }
    if (request.contentLength !== undefined && request.contentLength > maxBodyBytes) return answer(413, `body over ${maxBodyBytes} bytes`);
    const text = await readBounded(request.body, maxBodyBytes);
    if (text === undefined) return answer(413, `body over ${maxBodyBytes} bytes`);

    let push: PushBody;
    try {
      push = JSON.parse(text) as PushBody;
    } catch {
      return answer(400, "body is not JSON");
    }
    const message = push?.message;
    const messageId = message?.messageId ?? message?.message_id;
    if (typeof message !== "object" || message === null || typeof messageId !== "string") return answer(400, "not a Pub/Sub push body: message.messageId missing");
    const queue = options.queue ?? queueOf(push.subscription, topicPrefix);
    if (!queue) return answer(400, "cannot tell the queue: set the handler's queue option, or its topicPrefix to match the subscription id");

    const outcome = await options.hopper.runMessage({
      queue,
      body: Buffer.from(message.data ?? "", "base64").toString("utf8"),
      id: message.attributes?.[ID_ATTRIBUTE] ?? messageId,
      // Pub/Sub sends deliveryAttempt only on subscriptions with a dead-letter policy.
      deliveryAttempt: typeof push.deliveryAttempt === "number" && push.deliveryAttempt > 0 ? push.deliveryAttempt : undefined,
      ...(request.signal && { signal: request.signal }),
    });
    return outcomeAnswer(outcome);
  };
}

/** Pub/Sub acks a push on 102/200/201/202/204 and redelivers (with the subscription's backoff) otherwise. */
function outcomeAnswer(outcome: PushOutcome): PushAnswer {
  if (outcome.status === "done") return answer(204, "");
  if (outcome.status === "retry") return answer(503, "retry later", { "retry-after": String(Math.ceil(outcome.retryAfterMs / 1000)) });
  return answer(500, "outcome could not be recorded; deliver again");
}

function answer(status: number, text: string, headers: Record<string, string> = {}): PushAnswer {
  return { status, text, headers: text ? { "content-type": "text/plain; charset=utf-8", ...headers } : headers };
}

function queueOf(subscription: string | undefined, topicPrefix: string): string | undefined {
  const id = subscription?.split("/").pop() ?? "";
  return id.startsWith(topicPrefix) && id.length > topicPrefix.length ? id.slice(topicPrefix.length) : undefined;
}

/** The body as text, or undefined once it grows past `maxBytes` (reading stops there). */
async function readBounded(body: AsyncIterable<Uint8Array>, maxBytes: number): Promise<string | undefined> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += chunk.byteLength;
    if (size > maxBytes) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString("utf8");
}
