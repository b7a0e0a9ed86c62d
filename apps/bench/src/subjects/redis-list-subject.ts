import { Redis } from "ioredis";
import { decodeJob, encodeJob, type BenchSubject } from "./bench-subject.js";
import { startClaimLoop } from "./claim-loop.js";

/** Longest a consumer blocks in BLMOVE before rechecking for stop; seconds. */
const blockSeconds = 0.1;

/**
 * The least Redis needs for at-least-once: LPUSH to a list; LMOVE each job to
 * a processing list (pipelined, one per free slot; BLMOVE when empty) and
 * LREM it after the job ran (auto-pipelined). A crashed consumer's jobs stay in
 * the processing list for a reaper, which this baseline does not run.
 */
export async function createRedisListSubject(url: string): Promise<BenchSubject> {
  const client = new Redis(url, { enableAutoPipelining: true, lazyConnect: true });
  await client.connect();
  const blockingClients = new Set<Redis>();
  const queues = new Set<string>();
  const keysOf = (queue: string) => ({ ready: `bench:raw:{${queue}}:ready`, processing: `bench:raw:{${queue}}:processing` });

  return {
    maxPayloadBytes: 512 * 1024 * 1024,
    supportsDelay: false,
    async prepare(queue) {
      queues.add(queue);
    },
    async enqueueOne(queue, job) {
      await client.lpush(keysOf(queue).ready, encodeJob(job));
    },
    async enqueueMany(queue, jobs) {
      await client.lpush(keysOf(queue).ready, ...jobs.map(encodeJob));
    },
    async consume(queue, concurrency, handler) {
      const { ready, processing } = keysOf(queue);
      const blocking = client.duplicate();
      blockingClients.add(blocking);
      const consumer = startClaimLoop<string>({
        concurrency,
        loops: 1,
        maxClaim: concurrency,
        async claim(max) {
          const pipeline = client.pipeline();
          for (let index = 0; index < max; index += 1) pipeline.lmove(ready, processing, "RIGHT", "LEFT");
          const results = (await pipeline.exec()) ?? [];
          const items = results.flatMap(([error, value]) => (!error && typeof value === "string" ? [value] : []));
          if (items.length > 0) return items;
          const item = await blocking.blmove(ready, processing, "RIGHT", "LEFT", blockSeconds);
          return item ? [item] : [];
        },
        run: async (item) => handler(decodeJob(item)),
        async ack(item) {
          await client.lrem(processing, 1, item);
        },
      });
      return {
        async stop() {
          await consumer.stop();
          blocking.disconnect();
          blockingClients.delete(blocking);
        },
      };
    },
    shape: (concurrency) => ({ concurrency, prefetch: concurrency, ackOverlapsReceive: true, settings: { claim: "LMOVE per free slot, pipelined", blockSeconds } }),
    async close() {
      for (const blocking of blockingClients) blocking.disconnect();
      const keys = [...queues].flatMap((queue) => Object.values(keysOf(queue)));
      if (keys.length > 0) await Promise.all(keys.map((key) => client.del(key)));
      await client.quit();
    },
  };
}
