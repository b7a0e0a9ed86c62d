import type { IncomingMessage, ServerResponse } from "node:http";
import { isIP } from "node:net";
import { ConfigurationError, loggerOption, type Duration, type Hopper, type JobClass, type Logger } from "@hopper/core";
import { addressesOf, createPushEndpoint, hungJobExitOption, insecureNoAuthOption, isLoopbackAddress, unmappedAddress, positiveIntegerOption, pushAnswer, secretMatches, toFetchHandler, toNodeHandler, type PushHttpAnswer, type PushHttpHandler, type PushHttpRequest, optionKeysOf, rejectUnknownOptions } from "@hopper/core/backend";
import { SQS_MAX_MESSAGE_BYTES } from "./sqs-backend.js";
import { jobIdOf } from "./sqs-job-id.js";
import { deliveryAttemptOf, earlierDeliveriesAttribute, jobIdAttribute } from "./sqs-message-attributes.js";

/**
 * A periodic task from the worker environment's cron.yaml: `{ schedule }`
 * names a recurring job registered with `hopper.schedule`, enqueued once per
 * tick (`X-Aws-Sqsd-Scheduled-At`) however often sqsd posts it; `{ job, args }`
 * is enqueued on every post, so a tick sqsd redelivers runs twice.
 */
export type SqsdPeriodicTask = { readonly schedule: string } | { readonly job: JobClass; readonly args?: unknown };

export interface SqsdHandlerOptions {
  /** Runs the jobs; its backend takes dead letters and re-delays (normally the same SQS queues). */
  readonly hopper: Pick<Hopper, "runMessage" | "enqueue" | "enqueueRecurring">;
  /** The Hopper queue whose SQS queue the worker environment reads. X-Aws-Sqsd-Queue is not read. */
  readonly queue: string;
  /**
   * A secret the request path must end with (`/<urlToken>`): put it in the
   * environment's HTTP path and in every cron.yaml `url`. Compared in
   * constant time; at least 16 characters of A–Z a–z 0–9 . _ ~ -. Required
   * with `periodicTasks` and in the fetch form (which cannot see the peer).
   */
  readonly urlToken?: string;
  /**
   * Addresses that count as this host besides loopback, for a proxy on the
   * host talking to a container: the Docker bridge gateway, e.g. "172.17.0.1".
   */
  readonly localAddresses?: readonly string[];
  /** Accept requests from anyone, skipping the local-daemon check. Logged as a warning at creation. */
  readonly insecureNoAuth?: true;
  /** Also require this shared secret in a header (default header "x-hopper-secret"); 401 otherwise. sqsd cannot send it: only for a proxy that adds it. */
  readonly secret?: string | { readonly header: string; readonly value: string };
  /** Larger bodies are refused with 413 unread. Default SQS's 1 MiB message limit. */
  readonly maxBodyBytes?: number;
  /** Requests handled at once; beyond, 503 unread. Default 50, sqsd's default "HTTP connections". */
  readonly maxConcurrent?: number;
  /**
   * Once a job ignores its timeout this long, log it and exit the process with code 70 (HUNG_JOB_EXIT_CODE), so the
   * environment replaces the instance: a hung job holds its request slot (`maxConcurrent`) for good. Default: never.
   */
  readonly exitOnHungJob?: Duration;
  /** cron.yaml task name → job to enqueue when sqsd posts that task (X-Aws-Sqsd-Taskname). */
  readonly periodicTasks?: Readonly<Record<string, SqsdPeriodicTask>>;
  /** Where the handler warns; default stderr. */
  readonly logger?: Logger;
}

/**
 * Elastic Beanstalk worker environments: the SQS daemon (sqsd) receives from
 * the queue and POSTs each body here. 200 makes sqsd delete the message; any
 * other status leaves it to come back after the queue's visibility timeout.
 * By default only the local daemon gets in: the peer and every address a
 * proxy recorded (X-Forwarded-For, X-Real-IP, Forwarded) must be this host.
 */
export function createSqsdHandler(options: SqsdHandlerOptions): (request: Request) => Promise<Response> {
  return toFetchHandler(createSqsdCore(options, "fetch"));
}

/** The same handler for `http.createServer` or Express: `(req, res)`. */
export function createSqsdNodeHandler(options: SqsdHandlerOptions): (request: IncomingMessage, response: ServerResponse) => Promise<void> {
  return toNodeHandler(createSqsdCore(options, "node"));
}

const urlTokenShape = /^[A-Za-z0-9._~-]{16,}$/;

const optionKeys = optionKeysOf<SqsdHandlerOptions>({ hopper: true, queue: true, urlToken: true, localAddresses: true, insecureNoAuth: true, secret: true, maxBodyBytes: true, maxConcurrent: true, periodicTasks: true, logger: true, exitOnHungJob: true });

function createSqsdCore(options: SqsdHandlerOptions, form: "fetch" | "node"): PushHttpHandler {
  const factory = form === "fetch" ? "createSqsdHandler" : "createSqsdNodeHandler";
  if (typeof options?.hopper?.runMessage !== "function") throw new ConfigurationError({ field: "hopper", message: `give the Hopper instance that runs the jobs: ${factory}({ hopper, queue })` });
  if (typeof options.queue !== "string" || options.queue.length === 0) throw new ConfigurationError({ field: "queue", message: `give the Hopper queue the worker environment reads, e.g. ${factory}({ hopper, queue: "default" })` });
  if ("loopbackOnly" in options) throw new ConfigurationError({ field: "loopbackOnly", message: "removed: only the local daemon gets in by default (peer and forwarded addresses must be this host); remove the option, or give insecureNoAuth: true to accept anyone" });
  rejectUnknownOptions(options, optionKeys, `${factory}()`);
  const maxBodyBytes = positiveIntegerOption("maxBodyBytes", options.maxBodyBytes, SQS_MAX_MESSAGE_BYTES);
  const maxConcurrent = positiveIntegerOption("maxConcurrent", options.maxConcurrent, 50);
  const hungJobExitMs = hungJobExitOption(options.exitOnHungJob);
  const insecure = insecureNoAuthOption(options.insecureNoAuth);
  const secret = typeof options.secret === "string" ? { header: "x-hopper-secret", value: options.secret } : options.secret;
  if (secret !== undefined && (!secret.value || !secret.header)) throw new ConfigurationError({ field: "secret", message: "give a non-empty secret (and header name), or leave secret out" });
  const urlToken = options.urlToken;
  // Given as a key with no value: `urlToken: process.env.SQSD_URL_TOKEN` with the variable unset. Silently running
  // without the token the caller meant to require would let any local request in.
  if ("urlToken" in options && urlToken === undefined) {
    throw new ConfigurationError({ field: "urlToken", message: "is undefined: is SQSD_URL_TOKEN (or whatever you read it from) set in this environment? Give the token, or leave the key out to go without one" });
  }
  if (urlToken !== undefined && (typeof urlToken !== "string" || !urlTokenShape.test(urlToken))) {
    throw new ConfigurationError({ field: "urlToken", message: "give at least 16 characters of A-Z a-z 0-9 . _ ~ - (e.g. openssl rand -hex 24), so it fits a URL path as is and cannot be guessed" });
  }
  for (const address of options.localAddresses ?? []) {
    if (typeof address !== "string" || isIP(address) === 0) throw new ConfigurationError({ field: "localAddresses", message: `give IP addresses, got ${JSON.stringify(address)}` });
  }
  // Compared unmapped on both sides: a server listening on "::" sees an IPv4 daemon as "::ffff:<address>".
  const localAddresses = new Set((options.localAddresses ?? []).map(unmappedAddress));
  const periodicTasks = options.periodicTasks ?? {};
  if (insecure && (urlToken !== undefined || secret !== undefined || localAddresses.size > 0)) {
    throw new ConfigurationError({ field: "insecureNoAuth", message: "insecureNoAuth accepts anyone: drop it, or drop urlToken, secret and localAddresses" });
  }
  if (!insecure && urlToken === undefined && Object.keys(periodicTasks).length > 0) {
    throw new ConfigurationError({ field: "urlToken", message: "periodic tasks carry no message of yours, so each cron.yaml url must carry a secret: give urlToken and set every cron.yaml url (and the HTTP path) to /<path>/<urlToken>" });
  }
  if (!insecure && urlToken === undefined && form === "fetch") {
    throw new ConfigurationError({ field: "urlToken", message: "the fetch form cannot see the peer address, so it cannot tell sqsd from a stranger: give urlToken (and put it in the environment's HTTP path), or use createSqsdNodeHandler" });
  }
  const logger = loggerOption(options.logger);
  if (insecure) {
    logger.warn(`${factory}: insecureNoAuth is set: anyone who can reach this endpoint can run any registered job with any args, fire periodic tasks and force dead letters. Leave it out on Elastic Beanstalk.`, { queue: options.queue });
  }
  const isLocal = (address: string) => isLoopbackAddress(address) || localAddresses.has(unmappedAddress(address));

  const authenticate = (request: PushHttpRequest): PushHttpAnswer | undefined => {
    if (insecure) return undefined;
    if (form === "node" && request.remoteAddress === undefined) return pushAnswer(403, "sqsd posts from this host only");
    const outside = addressesOf(request).find((address) => !isLocal(address));
    if (outside !== undefined) {
      // Which address, to the log only: told to the sender, it would show which of several are in localAddresses.
      logger.debug("sqsd request refused: an address it came from or through is neither loopback nor in localAddresses", { address: outside.slice(0, 60) });
      return pushAnswer(403, "sqsd posts from this host only (loopback, or an address in localAddresses)");
    }
    if (urlToken !== undefined && !secretMatches(lastPathSegment(request.url), urlToken)) return pushAnswer(403, "the request path does not end with the urlToken");
    if (secret && !secretMatches(request.header(secret.header.toLowerCase()), secret.value)) return pushAnswer(401, `missing or wrong ${secret.header}`);
    return undefined;
  };

  const handle = async (request: PushHttpRequest, body: string): Promise<PushHttpAnswer> => {
    const taskName = request.header("x-aws-sqsd-taskname");
    if (taskName !== null) return runPeriodicTask(options.hopper, periodicTasks, taskName, request.header("x-aws-sqsd-scheduled-at"), logger);

    const messageId = request.header("x-aws-sqsd-msgid");
    if (messageId === null) return pushAnswer(400, "not an sqsd request: X-Aws-Sqsd-Msgid missing");
    const outcome = await options.hopper.runMessage({
      queue: options.queue,
      body,
      // sqsd passes message attributes as X-Aws-Sqsd-Attr-<name> headers.
      id: jobIdOf(request.header(`x-aws-sqsd-attr-${jobIdAttribute.toLowerCase()}`) ?? undefined, body, messageId),
      deliveryAttempt: deliveryAttemptOf(request.header("x-aws-sqsd-receive-count"), request.header(`x-aws-sqsd-attr-${earlierDeliveriesAttribute.toLowerCase()}`)),
      ...(request.signal && { signal: request.signal }),
      ...(hungJobExitMs !== undefined && { hungJobExitMs }),
    });
    // sqsd cannot delay one message: a retry comes back after the queue's visibility timeout.
    if (outcome.status === "done") return pushAnswer(200, "");
    if (outcome.status === "retry") return pushAnswer(503, "job will be retried", { "retry-after": String(Math.ceil(outcome.retryAfterMs / 1000)) });
    return pushAnswer(500, "outcome could not be recorded; deliver again");
  };

  return createPushEndpoint({ authenticate, maxBodyBytes, maxConcurrent, handle, logger });
}

/** The path's last segment, query and one trailing slash left out: `/sqsd/abc/?x=1` → `abc`. */
function lastPathSegment(url: string): string {
  const path = url.split(/[?#]/, 1)[0]!.replace(/\/$/, "");
  return path.slice(path.lastIndexOf("/") + 1);
}

/** cron.yaml ticks reach one instance each; the mapped job is enqueued (and then runs like any other). */
async function runPeriodicTask(
  hopper: Pick<Hopper, "enqueue" | "enqueueRecurring">,
  tasks: Readonly<Record<string, SqsdPeriodicTask>>,
  taskName: string,
  scheduledAtHeader: string | null,
  logger: Logger,
): Promise<PushHttpAnswer> {
  const task = Object.hasOwn(tasks, taskName) ? tasks[taskName] : undefined;
  if (!task) return pushAnswer(404, "no such periodic task: add it to periodicTasks");
  const scheduledAt = scheduledAtHeader === null ? undefined : new Date(scheduledAtHeader);
  if (scheduledAt && Number.isNaN(scheduledAt.getTime())) return pushAnswer(400, "X-Aws-Sqsd-Scheduled-At is not a date");
  try {
    // The tick time makes a redelivered post of the same tick enqueue nothing.
    if ("schedule" in task) await hopper.enqueueRecurring(task.schedule, scheduledAt ? { scheduledAt } : {});
    else await hopper.enqueue(task.job, task.args ?? {});
  } catch (error) {
    // The reason goes to the log, not to the HTTP client.
    logger.error("sqsd periodic task could not be enqueued; sqsd will post it again", { task: taskName, error });
    return pushAnswer(503, "periodic task could not be enqueued; deliver again");
  }
  return pushAnswer(200, "");
}
