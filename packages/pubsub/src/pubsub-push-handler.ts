import type { IncomingMessage, ServerResponse } from "node:http";
import { ConfigurationError, type Hopper, type PushOutcome } from "@hopper/core";
import { createPushVerifier, type PushVerification } from "./pubsub-push-auth.js";
import { ID_ATTRIBUTE } from "./pubsub-receive.js";
import { pushAnswer, readBoundedBody, toFetchHandler, toNodeHandler, type PushHttpAnswer, type PushHttpHandler } from "@hopper/core/backend";

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

interface PushBody {
  readonly message?: { readonly data?: string; readonly attributes?: Record<string, string>; readonly messageId?: string; readonly message_id?: string };
  readonly subscription?: string;
  readonly deliveryAttempt?: number;
}

/** Fetch-style handler (Cloud Run with Hono, Next.js route handlers, Deno, Bun): `(Request) => Response`. */
export function createPubSubPushHandler(options: PubSubPushHandlerOptions): (request: Request) => Promise<Response> {
  return toFetchHandler(createPushCore(options));
}

/** Node handler for `http.createServer`, Express, Cloud Functions: `(req, res)`. */
export function createPubSubPushNodeHandler(options: PubSubPushHandlerOptions): (request: IncomingMessage, response: ServerResponse) => Promise<void> {
  return toNodeHandler(createPushCore(options));
}

function createPushCore(options: PubSubPushHandlerOptions): PushHttpHandler {
  const maxBodyBytes = options.maxBodyBytes ?? 14 * 1024 * 1024;
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes < 1) throw new ConfigurationError({ field: "maxBodyBytes", message: `must be a positive integer, got ${JSON.stringify(options.maxBodyBytes)}` });
  if (typeof options.hopper?.runMessage !== "function") throw new ConfigurationError({ field: "hopper", message: "give the Hopper instance that runs the jobs: createPubSubPushHandler({ hopper })" });
  const verify = options.verify ? createPushVerifier(options.verify) : undefined;
  const topicPrefix = options.topicPrefix ?? "hopper-";

  return async (request) => {
    if (request.method !== "POST") return pushAnswer(405, "push requests are POSTs", { allow: "POST" });
    if (verify) {
      const auth = await verify(request.header("authorization"));
      if (!auth.ok) return pushAnswer(auth.status, auth.reason, auth.status === 401 ? { "www-authenticate": "Bearer" } : {});
    }
    if (request.contentLength !== undefined && request.contentLength > maxBodyBytes) return pushAnswer(413, `body over ${maxBodyBytes} bytes`);
    const text = await readBoundedBody(request.body, maxBodyBytes);
    if (text === undefined) return pushAnswer(413, `body over ${maxBodyBytes} bytes`);

    let push: PushBody;
    try {
      push = JSON.parse(text) as PushBody;
    } catch {
      return pushAnswer(400, "body is not JSON");
    }
    const message = push?.message;
    const messageId = message?.messageId ?? message?.message_id;
    if (typeof message !== "object" || message === null || typeof messageId !== "string") return pushAnswer(400, "not a Pub/Sub push body: message.messageId missing");
    // The body is the sender's to shape: check the types before using them.
    if (message.data !== undefined && typeof message.data !== "string") return pushAnswer(400, "not a Pub/Sub push body: message.data must be a base64 string");
    if (message.attributes !== undefined && (typeof message.attributes !== "object" || message.attributes === null)) return pushAnswer(400, "not a Pub/Sub push body: message.attributes must be an object");
    if (push.subscription !== undefined && typeof push.subscription !== "string") return pushAnswer(400, "not a Pub/Sub push body: subscription must be a string");
    const queue = options.queue ?? queueOf(push.subscription, topicPrefix);
    if (!queue) return pushAnswer(400, "cannot tell the queue: set the handler's queue option, or its topicPrefix to match the subscription id");

    const outcome = await options.hopper.runMessage({
      queue,
      body: Buffer.from(message.data ?? "", "base64").toString("utf8"),
      id: typeof message.attributes?.[ID_ATTRIBUTE] === "string" ? message.attributes[ID_ATTRIBUTE] : messageId,
      // Pub/Sub sends deliveryAttempt only on subscriptions with a dead-letter policy.
      deliveryAttempt: typeof push.deliveryAttempt === "number" && push.deliveryAttempt > 0 ? push.deliveryAttempt : undefined,
      ...(request.signal && { signal: request.signal }),
    });
    return outcomeAnswer(outcome);
  };
}

/** Pub/Sub acks a push on 102/200/201/202/204 and redelivers (with the subscription's backoff) otherwise. */
function outcomeAnswer(outcome: PushOutcome): PushHttpAnswer {
  if (outcome.status === "done") return pushAnswer(204, "");
  if (outcome.status === "retry") return pushAnswer(503, "retry later", { "retry-after": String(Math.ceil(outcome.retryAfterMs / 1000)) });
  return pushAnswer(500, "outcome could not be recorded; deliver again");
}

function queueOf(subscription: string | undefined, topicPrefix: string): string | undefined {
  const id = subscription?.split("/").pop() ?? "";
  return id.startsWith(topicPrefix) && id.length > topicPrefix.length ? id.slice(topicPrefix.length) : undefined;
}
