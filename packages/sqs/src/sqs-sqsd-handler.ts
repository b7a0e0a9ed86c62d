import type { IncomingMessage, ServerResponse } from "node:http";
import { ConfigurationError, type Hopper, type JobClass } from "@hopper/core";
import { isLoopbackAddress, pushAnswer, readBoundedBody, secretMatches, toFetchHandler, toNodeHandler, type PushHttpAnswer, type PushHttpHandler } from "@hopper/core/backend";
import { SQS_MAX_MESSAGE_BYTES } from "./sqs-backend.js";

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
  /** The Hopper queue whose SQS queue the worker environment reads. */
  readonly queue: string;
  /** Larger bodies are refused with 413 unread. Default SQS's 1 MiB message limit. */
  readonly maxBodyBytes?: number;
  /** Require this shared secret in a header (default header "x-hopper-secret"); 401 otherwise. */
  readonly secret?: string | { readonly header: string; readonly value: string };
  /**
   * Answer 403 to requests that do not come from this host (127.0.0.0/8, ::1):
   * sqsd posts from the same instance. Only the Node form sees the peer
   * address; with the fetch form, bind the server to 127.0.0.1 instead.
   */
  readonly loopbackOnly?: boolean;
  /** cron.yaml task name → job to enqueue when sqsd posts that task (X-Aws-Sqsd-Taskname). */
  readonly periodicTasks?: Readonly<Record<string, SqsdPeriodicTask>>;
}

/**
 * Elastic Beanstalk worker environments: the SQS daemon (sqsd) receives from
 * the queue and POSTs each body here. 200 makes sqsd delete the message; any
 * other status leaves it to come back after the queue's visibility timeout.
 */
export function createSqsdHandler(options: SqsdHandlerOptions): (request: Request) => Promise<Response> {
  if (options?.loopbackOnly) throw new ConfigurationError({ field: "loopbackOnly", message: "the fetch form cannot see the peer address: use createSqsdNodeHandler, or bind your server to 127.0.0.1 and leave loopbackOnly out" });
  return toFetchHandler(createSqsdCore(options));
}

/** The same handler for `http.createServer` or Express: `(req, res)`. */
export function createSqsdNodeHandler(options: SqsdHandlerOptions): (request: IncomingMessage, response: ServerResponse) => Promise<void> {
  return toNodeHandler(createSqsdCore(options));
}

function createSqsdCore(options: SqsdHandlerOptions): PushHttpHandler {
  if (typeof options.hopper?.runMessage !== "function") throw new ConfigurationError({ field: "hopper", message: "give the Hopper instance that runs the jobs: createSqsdHandler({ hopper, queue })" });
  if (typeof options.queue !== "string" || options.queue.length === 0) throw new ConfigurationError({ field: "queue", message: "give the Hopper queue the worker environment reads, e.g. createSqsdHandler({ hopper, queue: \"default\" })" });
  const maxBodyBytes = options.maxBodyBytes ?? SQS_MAX_MESSAGE_BYTES;
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes < 1) throw new ConfigurationError({ field: "maxBodyBytes", message: `must be a positive integer, got ${JSON.stringify(options.maxBodyBytes)}` });
  const secret = typeof options.secret === "string" ? { header: "x-hopper-secret", value: options.secret } : options.secret;
  if (secret !== undefined && (!secret.value || !secret.header)) throw new ConfigurationError({ field: "secret", message: "give a non-empty secret (and header name), or leave secret out" });
  const periodicTasks = options.periodicTasks ?? {};

  return async (request) => {
    if (options.loopbackOnly && !isLoopbackAddress(request.remoteAddress)) return pushAnswer(403, "sqsd posts from this host only");
    if (request.method !== "POST") return pushAnswer(405, "sqsd posts messages", { allow: "POST" });
    if (secret && !secretMatches(request.header(secret.header.toLowerCase()), secret.value)) return pushAnswer(401, `missing or wrong ${secret.header}`);
    if (request.contentLength !== undefined && request.contentLength > maxBodyBytes) return pushAnswer(413, `body over ${maxBodyBytes} bytes`);
    const body = await readBoundedBody(request.body, maxBodyBytes);
    if (body === undefined) return pushAnswer(413, `body over ${maxBodyBytes} bytes`);

    const taskName = request.header("x-aws-sqsd-taskname");
    if (taskName !== null) return runPeriodicTask(options.hopper, periodicTasks, taskName, request.header("x-aws-sqsd-scheduled-at"));

    const messageId = request.header("x-aws-sqsd-msgid");
    if (messageId === null) return pushAnswer(400, "not an sqsd request: X-Aws-Sqsd-Msgid missing");
    const receiveCount = Number(request.header("x-aws-sqsd-receive-count"));
    const outcome = await options.hopper.runMessage({
      queue: options.queue,
      body,
      id: messageId,
      deliveryAttempt: Number.isSafeInteger(receiveCount) && receiveCount > 0 ? receiveCount : undefined,
      ...(request.signal && { signal: request.signal }),
    });
    // sqsd cannot delay one message: a retry comes back after the queue's visibility timeout.
    if (outcome.status === "done") return pushAnswer(200, "");
    if (outcome.status === "retry") return pushAnswer(503, "job will be retried", { "retry-after": String(Math.ceil(outcome.retryAfterMs / 1000)) });
    return pushAnswer(500, "outcome could not be recorded; deliver again");
  };
}

/** cron.yaml ticks reach one instance each; the mapped job is enqueued (and then runs like any other). */
async function runPeriodicTask(hopper: Pick<Hopper, "enqueue" | "enqueueRecurring">, tasks: Readonly<Record<string, SqsdPeriodicTask>>, taskName: string, scheduledAtHeader: string | null): Promise<PushHttpAnswer> {
  const task = Object.hasOwn(tasks, taskName) ? tasks[taskName] : undefined;
  if (!task) return pushAnswer(404, `no periodic task named ${taskName}: add it to periodicTasks`);
  const scheduledAt = scheduledAtHeader === null ? undefined : new Date(scheduledAtHeader);
  if (scheduledAt && Number.isNaN(scheduledAt.getTime())) return pushAnswer(400, "X-Aws-Sqsd-Scheduled-At is not a date");
  try {
    // The tick time makes a redelivered post of the same tick enqueue nothing.
    if ("schedule" in task) await hopper.enqueueRecurring(task.schedule, scheduledAt ? { scheduledAt } : {});
    else await hopper.enqueue(task.job, task.args ?? {});
  } catch (error) {
    return pushAnswer(503, `periodic task ${taskName} could not be enqueued: ${(error as Error).message}`);
  }
  return pushAnswer(200, "");
}
