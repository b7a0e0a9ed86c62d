import type { IncomingMessage, ServerResponse } from "node:http";
import { ConfigurationError, loggerOption, ThrottledLog, type Duration, type Hopper, type Logger, type PushOutcome } from "@hopper/core";
import { createPushEndpoint, hungJobExitOption, insecureNoAuthOption, positiveIntegerOption, pushAnswer, toFetchHandler, toNodeHandler, type PushHttpAnswer, type PushHttpHandler, type PushHttpRequest, optionKeysOf, rejectUnknownOptions } from "@hopper/core/backend";
import { createPushVerifier, type PushVerification } from "./pubsub-push-auth.js";
import { ID_ATTRIBUTE, jobIdOf } from "./pubsub-job-id.js";

export interface PubSubPushHandlerOptions {
  /** Runs the pushed jobs (its backend takes dead letters and re-delays). */
  readonly hopper: Pick<Hopper, "runMessage">;
  /** The Hopper queue this endpoint serves. Required: the push body never chooses it. */
  readonly queue: string;
  /**
   * The subscription that pushes here: its id, or its full name
   * (`projects/P/subscriptions/S`) to pin the project too. Default
   * `<topicPrefix><queue>`. A body naming another subscription gets 403.
   */
  readonly subscription?: string;
  /** As given to createPubSubBackend; makes the default `subscription`. Default "hopper-". */
  readonly topicPrefix?: string;
  /** Verify the OIDC token of the authenticated push subscription. Required unless `insecureNoAuth`. */
  readonly verify?: PushVerification;
  /** Accept requests from anyone (local development, the emulator, which pushes without tokens). Logged as a warning at creation. */
  readonly insecureNoAuth?: true;
  /** Larger bodies are refused with 413 unread. Default 14 MiB (a 10 MB message, base64-encoded, plus JSON). */
  readonly maxBodyBytes?: number;
  /** Requests handled at once; beyond, 503 unread (Pub/Sub redelivers with backoff). Default 80, Cloud Run's default concurrency. */
  readonly maxConcurrent?: number;
  /**
   * Once a job ignores its timeout this long, log it and exit the process with code 70 (HUNG_JOB_EXIT_CODE), so the
   * platform replaces the instance: a hung job holds its request slot (`maxConcurrent`) for good. Default: never.
   */
  readonly exitOnHungJob?: Duration;
  /** Where the handler warns; default stderr. */
  readonly logger?: Logger;
}

interface PushBody {
  readonly message?: { readonly data?: string; readonly attributes?: Record<string, string>; readonly messageId?: string; readonly message_id?: string };
  readonly subscription?: string;
  readonly deliveryAttempt?: number;
}

/** Fetch-style handler (Cloud Run with Hono, Next.js route handlers, Deno, Bun): `(Request) => Response`. */
export function createPubSubPushHandler(options: PubSubPushHandlerOptions): (request: Request) => Promise<Response> {
  return toFetchHandler(createPushCore(options, "createPubSubPushHandler"));
}

/** Node handler for `http.createServer`, Express, Cloud Functions: `(req, res)`. */
export function createPubSubPushNodeHandler(options: PubSubPushHandlerOptions): (request: IncomingMessage, response: ServerResponse) => Promise<void> {
  return toNodeHandler(createPushCore(options, "createPubSubPushNodeHandler"));
}

const optionKeys = optionKeysOf<PubSubPushHandlerOptions>({ hopper: true, queue: true, subscription: true, topicPrefix: true, verify: true, insecureNoAuth: true, maxBodyBytes: true, maxConcurrent: true, logger: true, exitOnHungJob: true });

function createPushCore(options: PubSubPushHandlerOptions, factory: string): PushHttpHandler {
  if (typeof options?.hopper?.runMessage !== "function") throw new ConfigurationError({ field: "hopper", message: `give the Hopper instance that runs the jobs: ${factory}({ hopper, queue, verify })` });
  if (typeof options.queue !== "string" || options.queue.length === 0) throw new ConfigurationError({ field: "queue", message: `give the Hopper queue this endpoint serves, e.g. ${factory}({ hopper, queue: "mailers", verify })` });
  rejectUnknownOptions(options, optionKeys, `${factory}()`);
  const maxBodyBytes = positiveIntegerOption("maxBodyBytes", options.maxBodyBytes, 14 * 1024 * 1024);
  const maxConcurrent = positiveIntegerOption("maxConcurrent", options.maxConcurrent, 80);
  const hungJobExitMs = hungJobExitOption(options.exitOnHungJob);
  const insecure = insecureNoAuthOption(options.insecureNoAuth);
  if (insecure && options.verify !== undefined) throw new ConfigurationError({ field: "insecureNoAuth", message: "give verify or insecureNoAuth, not both" });
  if (!insecure && options.verify === undefined) {
    throw new ConfigurationError({ field: "verify", message: `push endpoints are closed until configured: give verify: { audience, serviceAccountEmail } as set on the authenticated push subscription, or insecureNoAuth: true for local development` });
  }
  const verify = insecure ? undefined : createPushVerifier(options.verify!);
  const expected = expectedSubscription(options);
  const logger = loggerOption(options.logger);
  if (insecure) {
    logger.warn(`${factory}: insecureNoAuth is set: anyone who can reach this endpoint can run any registered job with any args. Give verify: { audience, serviceAccountEmail } outside local development.`, { queue: options.queue });
  }

  // Why pushes are refused: a misconfigured audience and a stranger's forged token both answer 403, and only the
  // library's reason tells them apart. The reason quotes what the sender sent: lines are keyed by its kind, each
  // written at most once a minute, the reason itself only as an excerpt.
  const refusals = new ThrottledLog(logger, 60_000);
  const authenticate = async (request: PushHttpRequest): Promise<PushHttpAnswer | undefined> => {
    if (!verify) return undefined;
    const auth = await verify(request.header("authorization"));
    if (auth.ok) return undefined;
    if (auth.status === 401) return pushAnswer(401, auth.reason, { "www-authenticate": "Bearer" });
    const excerpt = auth.detail === undefined ? {} : { excerpt: auth.detail.slice(0, 120) };
    if (auth.status === 503) {
      refusals.write("error", "certificates", "Pub/Sub push token not checked: Google's signing certificates are out of reach; answered 503", excerpt);
      return pushAnswer(503, auth.reason, { "retry-after": "10" });
    }
    const kind = refusalKind(auth.detail ?? auth.reason);
    refusals.write("warn", kind, "Pub/Sub push token refused", { kind, ...excerpt });
    return pushAnswer(auth.status, auth.reason);
  };

  const handle = async (request: PushHttpRequest, text: string): Promise<PushHttpAnswer> => {
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
    if (typeof push.subscription !== "string") return pushAnswer(400, "not a Pub/Sub push body: subscription must be a string");
    // Another subscription pushing here is a wiring mistake: refused (not acked), the message stays with its own subscription.
    if (!expected.matches(push.subscription)) {
      logger.warn("Pub/Sub push from another subscription refused: point that subscription's push endpoint elsewhere, or set this handler's subscription option", { expected: expected.name, subscription: push.subscription.slice(0, 300) });
      return pushAnswer(403, `this endpoint serves subscription ${expected.name}, not the one named in the body`);
    }

    const body = Buffer.from(message.data ?? "", "base64").toString("utf8");
    const outcome = await options.hopper.runMessage({
      queue: options.queue,
      body,
      id: jobIdOf(message.attributes?.[ID_ATTRIBUTE], body, messageId),
      // Pub/Sub sends deliveryAttempt only on subscriptions with a dead-letter policy.
      deliveryAttempt: typeof push.deliveryAttempt === "number" && Number.isSafeInteger(push.deliveryAttempt) && push.deliveryAttempt > 0 ? push.deliveryAttempt : undefined,
      ...(request.signal && { signal: request.signal }),
      ...(hungJobExitMs !== undefined && { hungJobExitMs }),
    });
    return outcomeAnswer(outcome);
  };

  return createPushEndpoint({ authenticate, maxBodyBytes, maxConcurrent, handle, logger });
}

/** The subscription id (or full name) this endpoint serves, and how to compare a body's full name with it. */
function expectedSubscription(options: PubSubPushHandlerOptions): { readonly name: string; matches(subscription: string): boolean } {
  if (options.subscription !== undefined && (typeof options.subscription !== "string" || !/^[^/]+$|^projects\/[^/]+\/subscriptions\/[^/]+$/.test(options.subscription))) {
    throw new ConfigurationError({ field: "subscription", message: `give the subscription id, or projects/PROJECT/subscriptions/ID; got ${JSON.stringify(options.subscription)}` });
  }
  const name = options.subscription ?? `${options.topicPrefix ?? "hopper-"}${options.queue}`;
  if (name.includes("/")) return { name, matches: (subscription) => subscription === name };
  return { name, matches: (subscription) => /^projects\/[^/]+\/subscriptions\/[^/]+$/.test(subscription) && subscription.slice(subscription.lastIndexOf("/") + 1) === name };
}

/** Pub/Sub acks a push on 102/200/201/202/204 and redelivers (with the subscription's backoff) otherwise. */
function outcomeAnswer(outcome: PushOutcome): PushHttpAnswer {
  if (outcome.status === "done") return pushAnswer(204, "");
  if (outcome.status === "retry") return pushAnswer(503, "retry later", { "retry-after": String(Math.ceil(outcome.retryAfterMs / 1000)) });
  return pushAnswer(500, "outcome could not be recorded; deliver again");
}

/** The kind of a refusal, from google-auth-library's message or the verifier's own reason. */
function refusalKind(text: string): string {
  if (/audience|recipient/i.test(text)) return "audience";
  if (/too late|too early|expired|exp\b|iat\b/i.test(text)) return "time";
  if (/signature/i.test(text)) return "signature";
  if (/email|service account/i.test(text)) return "account";
  if (/issuer/i.test(text)) return "issuer";
  return "malformed";
}
