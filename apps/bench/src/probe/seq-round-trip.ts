/**
 * Whether each subject hands a job's number (`BenchJob.seq`) back to its handler as it was enqueued, through the bulk,
 * the single and (where the subject has it) the delayed enqueue: the counted runs count first starts by it
 * (scenarios/first-starts.ts), and a subject that dropped it would be counted by every start again. Prints one line
 * per subject; exits 1 if any subject lost or changed a number. With the services' variables set:
 *   node --conditions=@hopper/source --import ./src/child/strip-types.mjs src/probe/seq-round-trip.ts [backends, default memory,redis,postgres]
 * (sqs and pubsub too once their services are up)
 */
import type { BackendName } from "../bench-options.js";
import { sqsUrlFrom } from "../services-setup.js";
import { consumeCount, enqueueInBatches, makeJobs, uniqueQueueName } from "../scenarios/scenario-context.js";
import { now } from "../subjects/bench-subject.js";
import { createSubject } from "../subjects/create-subject.js";
import { subjectSpecs } from "../targets.js";

const [backendsText = "memory,redis,postgres"] = process.argv.slice(2);
const { env } = process;
const servers = { redis: env.HOPPER_TEST_REDIS_URL, postgres: env.HOPPER_TEST_POSTGRES_URL, sqs: sqsUrlFrom(env), pubsub: env.HOPPER_TEST_PUBSUB_PROJECT && `pubsub://${env.HOPPER_TEST_PUBSUB_PROJECT}` };
const { specs } = subjectSpecs(backendsText.split(",") as BackendName[], ["hopper", "raw", "peer"], servers, {});
let failed = false;
for (const spec of specs) {
  const subject = await createSubject(spec);
  const queue = uniqueQueueName("seq");
  await subject.prepare(queue);
  await enqueueInBatches(subject, queue, makeJobs(5), 5);
  await subject.enqueueOne(queue, { sentAt: now(), padding: "", seq: 5 });
  if (subject.supportsDelay) await subject.enqueueOne(queue, { sentAt: now(), padding: "", seq: 6 }, 100);
  const expected = subject.supportsDelay ? 7 : 6;
  const seen: unknown[] = [];
  const run = await consumeCount(subject, queue, 1, expected, 30_000, (job) => void seen.push(job.seq));
  const numbers = seen.map(String).sort().join(",");
  const ok = !run.timedOut && numbers === Array.from({ length: expected }, (_, seq) => seq).join(",");
  failed ||= !ok;
  console.log(`${ok ? "ok  " : "LOST"} ${spec.id}: seq seen ${numbers} (${run.done} first starts, ${run.repeatedStarts} repeats, ${run.startsWithoutSeq} without seq${run.timedOut ? ", timed out" : ""})`);
  await subject.close();
}
process.exit(failed ? 1 : 0);
