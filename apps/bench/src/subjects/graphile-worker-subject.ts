import { Logger, makeWorkerUtils, run } from "graphile-worker";
import type { BenchJob, BenchSubject } from "./bench-subject.js";

const silent = new Logger(() => () => {});

/**
 * graphile-worker 0.16: addJob, and for bulk the documented
 * graphile_worker.add_jobs(job_spec[]) SQL function; `run` with `concurrency`
 * (LISTEN/NOTIFY wakes it). Each bench queue is its own task identifier, since
 * graphile's named queues run their jobs one at a time.
 */
export async function createGraphileWorkerSubject(connectionString: string): Promise<BenchSubject> {
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
      const runner = await run({
        connectionString,
        concurrency,
        maxPoolSize: Math.min(Math.max(10, concurrency + 1), 60),
        noHandleSignals: true,
        pollInterval: 1000,
        logger: silent,
        taskList: { [taskOf(queue)]: async (payload) => handler(payload as BenchJob) },
      });
      return { stop: () => runner.stop() };
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
