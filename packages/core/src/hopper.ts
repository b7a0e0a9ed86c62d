import { randomUUID } from "node:crypto";
import type { Backend } from "./backend/backend.js";
import { backendFromUrl, checkBackend } from "./backend-url.js";
import { DeadLetters } from "./dead-letters.js";
import { enqueueJobs } from "./enqueuer.js";
import { ConfigurationError } from "./errors/configuration-error.js";
import { bindJob, unbindJob, type JobEnqueuer } from "./job-binding.js";
import type { EnqueueOptions, JobArgs, JobClass, JobContext, Job } from "./job.js";
import { JobRegistry, upgradeArgs, validateArgs } from "./job-registry.js";
import { createConsoleLogger, type Logger } from "./logger.js";
import { runPerformMiddleware, type Middleware } from "./middleware.js";
import { runMessage, type PushedMessage, type PushOutcome } from "./worker/run-message.js";
import { Worker, type WorkerOptions } from "./worker/worker.js";

export interface HopperOptions {
  /** A backend URL; default HOPPER_URL, else memory://. Ignored when `backend` is given. */
  readonly url?: string;
  readonly backend?: Backend;
  readonly jobs: readonly JobClass[];
  readonly middleware?: readonly Middleware[];
  readonly logger?: Logger;
}

export interface Hopper {
  readonly backend: Promise<Backend>;
  enqueue<J extends Job<any, any>>(jobClass: JobClass<J>, args: JobArgs<J>, options?: EnqueueOptions): Promise<string>;
  enqueueAll<J extends Job<any, any>>(jobClass: JobClass<J>, argsList: readonly JobArgs<J>[], options?: EnqueueOptions): Promise<string[]>;
  worker(options?: WorkerOptions): Worker;
  /** Runs one message a platform pushed (HTTP POST, Lambda record); the answer says whether to delete or redeliver it. */
  runMessage(message: PushedMessage): Promise<PushOutcome>;
  deadLetters(queue: string): DeadLetters;
  use(middleware: Middleware): void;
  /** Stops using the backend and unbinds the job classes; idempotent. */
  close(): Promise<void>;
}

export function createHopper(options: HopperOptions): Hopper {
  if (typeof options !== "object" || options === null) throw new ConfigurationError({ field: "options", message: "createHopper takes { url | backend, jobs: [...] }" });
  if (!Array.isArray(options.jobs)) throw new ConfigurationError({ field: "jobs", message: "give the job classes this process enqueues or runs: createHopper({ jobs: [SendEmail] })" });
  const registry = new JobRegistry(options.jobs);
  const middleware: Middleware[] = [...(options.middleware ?? [])];
  const logger = options.logger ?? createConsoleLogger();
  const backend: Promise<Backend> = options.backend
    ? Promise.resolve(checkBackend(options.backend))
    : backendFromUrl(options.url ?? process.env.HOPPER_URL ?? "memory://");
  backend.catch(() => {}); // surfaced by the first call that needs the backend
  let closed: Promise<void> | undefined;

  const enqueuer: JobEnqueuer = {
    async enqueue(jobClass, argsList, enqueueOptions) {
      return enqueueJobs(await backend, middleware, registry.definitionOf(jobClass), argsList, enqueueOptions);
    },
    async performNow(jobClass, args) {
      const definition = registry.definitionOf(jobClass);
      const validated = await validateArgs(definition, upgradeArgs(definition, definition.version, args));
      const context: JobContext = { jobId: randomUUID(), jobName: definition.name, queue: definition.queue, attempt: 1, enqueuedAt: new Date(), signal: new AbortController().signal, logger };
      const instance = new definition.jobClass();
      const result = await runPerformMiddleware(middleware, { jobName: definition.name, args: validated, meta: {}, context }, async () => instance.perform(validated, context));
      return { jobId: context.jobId, result };
    },
  };
  for (const definition of registry.all) bindJob(definition.jobClass, enqueuer);

  return {
    backend,
    enqueue: (jobClass, args, enqueueOptions) => enqueuer.enqueue(jobClass, [args], enqueueOptions ?? {}).then((ids) => ids[0]!),
    enqueueAll: (jobClass, argsList, enqueueOptions) => enqueuer.enqueue(jobClass, argsList, enqueueOptions ?? {}),
    worker: (workerOptions) => new Worker({ backend, registry, middleware, logger }, workerOptions),
    runMessage: async (message) => runMessage({ backend: await backend, registry, middleware, logger }, message),
    deadLetters: (queue) => new DeadLetters(backend, queue),
    use: (layer) => void middleware.push(layer),
    close() {
      closed ??= (async () => {
        for (const definition of registry.all) unbindJob(definition.jobClass, enqueuer);
        await (await backend).close();
      })();
      return closed;
    },
  };
}
