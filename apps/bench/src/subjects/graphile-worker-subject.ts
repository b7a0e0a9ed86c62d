import { Logger, makeWorkerUtils, run } from "graphile-worker";
import type { BenchJob, BenchSubject } from "./bench-subject.js";
import { graphileWorkerVariants, settingsFor } from "./peer-settings.js";

const silent = new Logger(() => () => {});

/**
 * It polls only for future jobs and retries (LISTEN/NOTIFY wakes it for new ones), so this poll is what starts a
 * delayed job: 500 ms, as pg-boss's (its floor; peer-settings.ts). graphile-worker's default, 2 s, which the bench
 * kept until 2026-12-07, set its delayed-start lateness (p50 ~1 s) against pg-boss's 0.5 s poll.
 */
const pollIntervalMs = 500;

/**
 * graphile-worker 0.18: addJob, and for bulk the documented
 * graphile_worker.add_jobs(job_spec[]) SQL function; `run` with
 * `concurrentJobs` = c, its local queue and batched completion as its
 * performance page configures them (the variant). Each bench queue is its own
 * task identifier, since graphile's named queues run their jobs one at a time.
 */
export async function createGraphileWorkerSubject(connectionString: string, variant?: string): Promise<BenchSubject> {
  const { name, at } = settingsFor("graphile-worker", graphileWorkerVariants, variant);
  const utils = await makeWorkerUtils({ connectionString, logger: silent });
  await utils.migrate();
  const taskOf = (queue: string) => `bench_${queue.replace(/-/g, "_")}`;
  const tasks = new Set<string>();
  return {
    maxPayloadBytes: 100 * 1024 * 1024,
    supportsDelay: true,
    async prepare(queue) {
      tasks.add(taskOf(queue));
    },
    async enqueueOne(queue, job, delayMs) {
      await utils.addJob(taskOf(queue), job, delayMs === undefined ? {} : { runAt: new Date(Date.now() + delayMs) });
    },
    async enqueueMany(queue, jobs) {
      const specs = JSON.stringify(jobs.map((payload) => ({ identifier: taskOf(queue), payload })));
      await utils.withPgClient((client) => client.query("SELECT graphile_worker.add_jobs(ARRAY(SELECT json_populate_recordset(NULL::graphile_worker.job_spec, $1::json)))", [specs]));
    },
    async consume(queue, concurrency, handler) {
      const settings = at(concurrency);
      const runner = await run({
        noHandleSignals: true,
        logger: silent,
        taskList: { [taskOf(queue)]: async (payload) => handler(payload as BenchJob) },
        preset: {
          worker: {
            connectionString,
            concurrentJobs: concurrency,
            maxPoolSize: settings.maxPoolSize,
            pollInterval: pollIntervalMs,
            ...(settings.localQueueSize > 0 && { localQueue: { size: settings.localQueueSize } }),
            completeJobBatchDelay: settings.completeJobBatchDelayMs,
            failJobBatchDelay: settings.completeJobBatchDelayMs,
          },
        },
      });
      return { stop: () => runner.stop() };
    },
    shape(concurrency) {
      const settings = at(concurrency);
      return {
        concurrency,
        prefetch: Math.max(concurrency, settings.localQueueSize),
        // Its worker calls completeJob without awaiting it and takes the next job.
        ackOverlapsReceive: true,
        variant: name,
        settings: { ...settings, pollIntervalMs },
      };
    },
    async close() {
      if (tasks.size > 0) {
        await utils
          .withPgClient((client) => client.query("DELETE FROM graphile_worker._private_jobs WHERE task_id IN (SELECT id FROM graphile_worker._private_tasks WHERE identifier = ANY($1::text[]))", [[...tasks]]))
          .catch(() => {});
      }
      await utils.release();
    },
  };
}
