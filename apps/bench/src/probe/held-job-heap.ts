// Writes a heap snapshot with `count` jobs held running at once on one subject, as the memory scenario holds them:
//   node --conditions=@hopper/source --import ./src/child/strip-types.mjs --expose-gc src/probe/held-job-heap.ts <memory|redis|postgres|sqs|pubsub> <count> <out.heapsnapshot> [before.heapsnapshot]
// Diff two snapshots (N and 2N held) with heap-diff.ts to see what each held job keeps alive; diff `before` (taken where
// the bench's memory scenario takes its baseline) and N held to see the growth the bench's figure counts, fixed part included.
import { writeHeapSnapshot } from "node:v8";
import { upServices } from "@hopper/services";
import { createSubject } from "../subjects/create-subject.js";
import { enqueueInBatches, makeJobs } from "../scenarios/scenario-context.js";

const [backend = "redis", countText = "2000", out = `held-${backend}.heapsnapshot`, beforeOut] = process.argv.slice(2);
const count = Number(countText);
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

async function urlOf(name: string): Promise<string> {
  if (name === "memory") return "memory://";
  // The servers of the environment (`eval "$(pnpm -s services env)"`) when set, else local services started here.
  const started = await upServices([name as "redis" | "postgres" | "sqs" | "pubsub"]);
  for (const [key, value] of Object.entries(started.env)) process.env[key] ??= value;
  const env = process.env;
  const url = {
    redis: env.HOPPER_TEST_REDIS_URL,
    postgres: env.HOPPER_TEST_POSTGRES_URL,
    sqs: env.HOPPER_TEST_SQS_ENDPOINT && `sqs://${env.AWS_REGION ?? "us-east-1"}/held-?endpoint=${encodeURIComponent(env.HOPPER_TEST_SQS_ENDPOINT)}&createQueues=true`,
    pubsub: env.HOPPER_TEST_PUBSUB_PROJECT && `pubsub://${env.HOPPER_TEST_PUBSUB_PROJECT}`,
  }[name];
  if (!url) throw new Error(`no ${name} server`);
  return url;
}

const subject = await createSubject({ library: "hopper", connection: await urlOf(backend) } as Parameters<typeof createSubject>[0]);
const queue = `held-heap-${process.pid}`;
await subject.prepare(queue);
gc();
if (beforeOut) writeHeapSnapshot(beforeOut);
gc();
const before = process.memoryUsage().heapUsed;
await enqueueInBatches(subject, queue, makeJobs(count), 500);
let release!: () => void;
const gate = new Promise<void>((resolve) => (release = resolve));
let reached = 0;
let allReached!: () => void;
const everyJobRunning = new Promise<void>((resolve) => (allReached = resolve));
const consumer = await subject.consume(queue, count, async () => {
  reached += 1;
  if (reached >= count) allReached();
  await gate;
});
await everyJobRunning;
gc();
const during = process.memoryUsage().heapUsed;
console.log(JSON.stringify({ backend, count, heapBytesPerJob: Math.round((during - before) / count), per10kMiB: (((during - before) / count) * 10_000) / 2 ** 20 }));
if (out !== "-") writeHeapSnapshot(out);
release();
await consumer.stop();
await subject.close();
process.exit(0);
